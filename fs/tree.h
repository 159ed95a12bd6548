/* tree.h — directory requests (tree.c) and file requests (file.c). */
#pragma once

#include "node.h"

void ipcfs_tree_init(void);
/* Fills @st for @node from the object it stands for, through @h if it is
 * open (@h may be NULL); -ENOENT if it is gone. */
int ipcfs_node_stat(IpcfsNode *node, const IpcfsHandle *h, struct stat *st);

void ipcfs_tree_ops(struct fuse_lowlevel_ops *ops);
void ipcfs_file_ops(struct fuse_lowlevel_ops *ops);
