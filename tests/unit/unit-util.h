/* unit-util.h — small helpers shared by the core/ unit tests.
 */
#pragma once

#include <glib.h>
#include <string.h>
#include <unistd.h>

/* A name no other test process uses: "ipcfs-unit-PID-TAG-N". */
static inline char *unit_name(const char *tag)
{
	static int serial;

	return g_strdup_printf("ipcfs-unit-%d-%s-%d", (int)getpid(), tag, serial++);
}

/* A unique name exactly @len bytes long (@len >= 32). */
static inline char *unit_long_name(size_t len)
{
	g_autofree char *base = unit_name("long");
	char *name = g_malloc(len + 1);

	memset(name, 'x', len);
	memcpy(name, base, strlen(base));
	name[len] = '\0';
	return name;
}

/* Milliseconds on the monotonic clock. */
static inline gint64 unit_now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}
