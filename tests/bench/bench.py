#!/usr/bin/env python3
"""bench.py — the ipcfs benchmark suite (issue 5), one run, one table.

Every case measures ipcfs and its reference side by side in the same run
(runs interleaved, median of the repetitions) and prints a table: case,
ipcfs's figure, the reference's figure, their ratio, the target, met?. The
table is also written as JSON (BUILD/bench.json, or --json PATH).

Usage: bench.py --build BUILD [--quick] [--json PATH] [--reps N] [--only 1,3]
Normally started by tools/bench. Needs root: it re-executes itself in a
private IPC + mount namespace (unshare) with its own /dev/shm (tmpfs) and
/dev/mqueue, where it raises msg_max and queues_max; nothing leaks out.

--quick is the CI smoke mode: tiny sizes, one repetition, a few seconds; it
checks that every case works, not how fast. The exit status is non-zero if a
case could not be measured (a missed target is reported, not an error).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NS_ENV = "IPCFS_BENCH_NS"

FULL = dict(reps=7, q=1000, rounds=10, msg=32, floor_n=10000,
            shm_size=1 << 30, shm_bs=1 << 20, shm_reps=5, rand_bs=4096, rand_n=100000,
            sem_n=10000, script_n=10000, script_reps=3,
            ls_shm=10000, ls_mq=1000, ls_reps=11, batch_n=1000, batch_rounds=20,
            hold_procs=1000, hold_fds=10, hold_queues=100, hold_reps=5)
QUICK = dict(reps=1, q=50, rounds=2, msg=32, floor_n=200,
             shm_size=16 << 20, shm_bs=1 << 20, shm_reps=1, rand_bs=4096, rand_n=500,
             sem_n=200, script_n=100, script_reps=1,
             ls_shm=100, ls_mq=50, ls_reps=1, batch_n=50, batch_rounds=2,
             hold_procs=50, hold_fds=10, hold_queues=5, hold_reps=1)


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = dict(QUICK if args.quick else FULL)
        if args.reps:
            for k in ("reps", "shm_reps", "script_reps", "ls_reps", "hold_reps"):
                self.p[k] = args.reps
        b = os.path.abspath(args.build)
        self.build = b
        self.ipcfs_bin = os.path.join(b, "fs", "ipcfs")
        bd = os.path.join(b, "tests", "bench")
        self.floorfs_bin = os.path.join(bd, "floorfs")
        self.mqb = os.path.join(bd, "bench-mqbench")
        self.send_one = os.path.join(bd, "bench-mq-send-one")
        self.semb = os.path.join(bd, "bench-sembench")
        self.shmb = os.path.join(bd, "bench-shmbench")
        self.mass = os.path.join(bd, "bench-mass")
        self.sysvb = os.path.join(bd, "bench-sysvbench")
        self.holdb = os.path.join(bd, "bench-holders")
        self.rows = []
        self.errors = []
        self.daemons = []
        self.tmp = tempfile.mkdtemp(prefix="ipcfs-bench.")
        self.mnt = os.path.join(self.tmp, "ipcfs")
        self.floor = os.path.join(self.tmp, "floor")

    # ---- plumbing -------------------------------------------------------
    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def sh(self, *cmd, **kw):
        return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, **kw).stdout

    def num(self, *cmd):
        """Runs a bench program, returns the one number it prints."""
        cmd = [str(c) for c in cmd]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(map(str, cmd)),
                                                   r.returncode, r.stderr.strip()))
        return float(r.stdout.strip())

    def timed(self, *cmd, **kw):
        cmd = [str(c) for c in cmd]
        t = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
        return time.monotonic() - t

    def medians(self, reps, *fns):
        """Runs each fn reps times, interleaved; returns their medians."""
        vals = [[] for _ in fns]
        for _ in range(reps):
            for i, fn in enumerate(fns):
                vals[i].append(fn())
        return [statistics.median(v) for v in vals]

    def setup_namespace(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/dev/shm"], check=True)
        os.makedirs("/dev/mqueue", exist_ok=True)
        subprocess.run(["mount", "-t", "mqueue", "mqueue", "/dev/mqueue"], check=True)
        for k, v in (("msg_max", 65536), ("queues_max", 4096)):
            with open("/proc/sys/fs/mqueue/" + k, "w") as f:
                f.write(str(v))

    def mount(self, binary, where, name):
        os.makedirs(where, exist_ok=True)
        logf = open(os.path.join(self.tmp, name + ".log"), "w")
        proc = subprocess.Popen([binary, "-f", where], stdout=logf, stderr=logf)
        self.daemons.append((proc, where, logf))
        deadline = time.monotonic() + 10
        while not os.path.ismount(where):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("%s did not mount (see %s)" % (name, logf.name))
            time.sleep(0.02)

    def unmount_all(self):
        for proc, where, logf in self.daemons:
            subprocess.run(["umount", where], stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            logf.close()
        self.daemons = []

    def make_queue(self, name, maxmsg, msgsize):
        with open(os.path.join(self.mnt, "mq", ".create"), "w") as f:
            f.write("maxmsg=%d msgsize=%d %s" % (maxmsg, msgsize, name))

    def rmdir(self, kind, name):
        try:
            os.rmdir(os.path.join(self.mnt, kind, name))
        except FileNotFoundError:
            pass

    def row(self, case, what, ipcfs, ref, unit, ref_name, ratio, target=None, note=""):
        """target: (op, value) with op '<=' or '>=' applied to ratio."""
        met = None
        if target and ratio is not None:
            met = ratio <= target[1] if target[0] == "<=" else ratio >= target[1]
        r = dict(case=case, what=what, ipcfs=ipcfs, reference=ref, unit=unit,
                 reference_name=ref_name, ratio=ratio,
                 target=("%s %g" % target) if target else None, met=met, note=note)
        self.rows.append(r)
        self.log("  %-34s ipcfs %s | %s %s | ratio %s%s" % (
            what, fmt(ipcfs, unit), ref_name, fmt(ref, unit),
            "-" if ratio is None else "%.2f" % ratio,
            "" if met is None else (" (target %s: %s)" % (r["target"], "met" if met else "MISSED"))))

    def fail_row(self, case, what, err):
        self.errors.append("%s: %s" % (what, err))
        self.rows.append(dict(case=case, what=what, ipcfs=None, reference=None, unit="",
                              reference_name="", ratio=None, target=None, met=None,
                              note="error: %s" % err))
        self.log("  %-34s ERROR: %s" % (what, err))

    # ---- cases ----------------------------------------------------------
    def case_messages(self):
        """1 and 2: send/recv per message, vs the POSIX API and the FUSE floor."""
        p = self.p
        q, rounds, size = p["q"], p["rounds"], p["msg"]
        self.make_queue("bq", q, 64)
        qdir = os.path.join(self.mnt, "mq", "bq")
        try:
            send, send_ref, floor_w = self.medians(
                p["reps"],
                lambda: self.num(self.mqb, "send-fs", qdir + "/send", "bq", q, rounds, size),
                lambda: self.num(self.mqb, "send-mq", "bq", q, rounds, size),
                lambda: self.num(self.mqb, "write", self.floor + "/w", p["floor_n"], size))
            recv, recv_ref, floor_r = self.medians(
                p["reps"],
                lambda: self.num(self.mqb, "recv-fs", qdir + "/recv", "bq", q, rounds, size),
                lambda: self.num(self.mqb, "recv-mq", "bq", q, rounds, size),
                lambda: self.num(self.mqb, "oread", self.floor + "/r", p["floor_n"]))
        finally:
            self.rmdir("mq", "bq")
        self.row(1, "mq send: write(2) per message", send, send_ref, "ns", "mq_send",
                 send / send_ref)
        self.row(1, "mq recv: open+read+close per msg", recv, recv_ref, "ns", "mq_receive",
                 recv / recv_ref)
        self.row(2, "send vs FUSE floor write", send, floor_w, "ns", "floor write",
                 send / floor_w, ("<=", 1.25))
        self.row(2, "recv vs FUSE floor open+read+close", recv, floor_r, "ns",
                 "floor open+read+close", recv / floor_r, ("<=", 1.25))

    def case_shm(self):
        p = self.p
        size, bs = p["shm_size"], p["shm_bs"]
        self.sh(self.shmb, "create", "bshm", str(size))
        data = os.path.join(self.mnt, "shm", "bshm", "data")
        direct = "/dev/shm/bshm"
        pt = self.floor + "/pt"
        # The floor's passthrough file: pread/pwrite of a tmpfs file, FUSE's
        # own cost of this job; filled first, as create fills the object.
        self.num(self.shmb, "write", pt, size, bs)
        try:
            rd, rd_ref, pt_rd = self.medians(
                p["shm_reps"],
                lambda: self.num(self.shmb, "read", data, size, bs),
                lambda: self.num(self.shmb, "read", direct, size, bs),
                lambda: self.num(self.shmb, "read", pt, size, bs))
            wr, wr_ref, pt_wr = self.medians(
                p["shm_reps"],
                lambda: self.num(self.shmb, "write", data, size, bs),
                lambda: self.num(self.shmb, "write", direct, size, bs),
                lambda: self.num(self.shmb, "write", pt, size, bs))
            rr, rr_ref = self.medians(
                p["shm_reps"],
                lambda: self.num(self.shmb, "randread", data, size, p["rand_bs"], p["rand_n"]),
                lambda: self.num(self.shmb, "randread", direct, size, p["rand_bs"], p["rand_n"]))
        finally:
            self.rmdir("shm", "bshm")
        mib = "%d MiB" % (size >> 20) if size < 1 << 30 else "%d GiB" % (size >> 30)
        self.row(3, "shm seq read %s, 1 MiB blocks" % mib, rd, rd_ref, "MiB/s", "/dev/shm",
                 rd / rd_ref, (">=", 0.5))
        self.row(3, "shm seq write %s, 1 MiB blocks" % mib, wr, wr_ref, "MiB/s", "/dev/shm",
                 wr / wr_ref, (">=", 0.8))
        self.row(3, "shm random 4 KiB pread", rr, rr_ref, "ns", "/dev/shm", rr / rr_ref)
        self.row(3, "shm seq read vs passthrough floor", rd, pt_rd, "MiB/s",
                 "floor pread passthrough", rd / pt_rd, (">=", 0.9))
        self.row(3, "shm seq write vs passthrough floor", wr, pt_wr, "MiB/s",
                 "floor pwrite passthrough", wr / pt_wr, (">=", 0.9))

    def case_sem(self):
        p = self.p
        os.mkdir(os.path.join(self.mnt, "sem", "bsem"))
        try:
            v, ref = self.medians(
                p["reps"],
                lambda: self.num(self.semb, "fs", os.path.join(self.mnt, "sem", "bsem", "value"),
                                 p["sem_n"]),
                lambda: self.num(self.semb, "posix", "bsem", p["sem_n"]))
        finally:
            self.rmdir("sem", "bsem")
        self.row(4, "sem post/wait via value", v, ref, "ns", "sem_post/sem_wait", v / ref)

    def case_scripting(self):
        p = self.p
        n = p["script_n"]
        self.make_queue("sq", 10, 64)
        send = os.path.join(self.mnt, "mq", "sq", "send")
        loop_fs = 'for i in $(seq %d); do echo $i > "$1"; done' % n
        loop_ref = 'for i in $(seq %d); do "$1" sq $i; done' % n

        def run(script, arg):
            drain = subprocess.Popen([self.mqb, "drain", "sq", str(n)], stdout=subprocess.DEVNULL)
            try:
                t = self.timed("bash", "-c", script, "loop", arg)
            finally:
                if drain.wait(timeout=60) != 0:
                    raise RuntimeError("drainer failed")
            return t

        try:
            fs, ref = self.medians(p["script_reps"], lambda: run(loop_fs, send),
                                   lambda: run(loop_ref, self.send_one))
        finally:
            self.rmdir("mq", "sq")
        self.row(5, "bash loop, %d x echo > send" % n, fs, ref, "s",
                 "process per message", ref / fs, (">=", 5))

    def case_listing(self):
        p = self.p
        env = dict(os.environ, LC_ALL="C")

        def ls(path):
            return self.timed("ls", "-l", path, env=env)

        n = p["ls_shm"]
        self.sh(self.mass, "shm-create", "ls", str(n))
        try:
            fs, ref, floor = self.medians(p["ls_reps"], lambda: ls(self.mnt + "/shm"),
                                          lambda: ls("/dev/shm"),
                                          lambda: ls("%s/list-%d" % (self.floor, n)))
            count = len(os.listdir(self.mnt + "/shm"))
            if count < n:
                raise RuntimeError("mount lists %d shm objects, expected %d" % (count, n))
        finally:
            self.sh(self.mass, "shm-unlink", "ls", str(n))
        self.row(6, "ls -l of %d shm objects" % n, fs, ref, "s", "ls -l /dev/shm", fs / ref,
                 ("<=", 1.5))
        self.row(6, "ls -l of %d shm objects vs floor" % n, fs, floor, "s",
                 "floor: %d entries" % n, fs / floor)
        n = p["ls_mq"]
        self.sh(self.mass, "mq-create", "lq", str(n), "1", "16")
        try:
            fs, ref, floor = self.medians(p["ls_reps"], lambda: ls(self.mnt + "/mq"),
                                          lambda: ls("/dev/mqueue"),
                                          lambda: ls("%s/list-%d" % (self.floor, n)))
            count = len(os.listdir(self.mnt + "/mq"))
            if count < n:
                raise RuntimeError("mount lists %d queues, expected %d" % (count, n))
        finally:
            self.sh(self.mass, "mq-unlink", "lq", str(n))
        self.row(6, "ls -l of %d queues" % n, fs, ref, "s", "ls -l /dev/mqueue", fs / ref,
                 ("<=", 2))
        self.row(6, "ls -l of %d queues vs floor" % n, fs, floor, "s",
                 "floor: %d entries" % n, fs / floor)

    def case_batch(self):
        p = self.p
        n, rounds, size = p["batch_n"], p["batch_rounds"], p["msg"]
        self.make_queue("lq", n, 64)
        qdir = os.path.join(self.mnt, "mq", "lq")
        try:
            missing = [f for f in ("send-lines", "recv-lines")
                       if not os.path.exists(os.path.join(qdir, f))]
            if missing:  # an ipcfs from before the batch files: reported, not an error
                self.rows.append(dict(case=7, what="batch", ipcfs=None, reference=None,
                                      unit="", reference_name="", ratio=None, target=None,
                                      met=None, note="skipped: this ipcfs has no %s"
                                      % " or ".join(missing)))
                self.log("  batch: skipped, this ipcfs has no %s" % " or ".join(missing))
                return
            s, s_ref, r, r_ref = self.medians(
                p["reps"],
                lambda: self.num(self.mqb, "lines-send", qdir + "/send-lines", "lq", n, rounds,
                                 size),
                lambda: self.num(self.mqb, "send-mq", "lq", n, rounds, size),
                lambda: self.num(self.mqb, "lines-recv", qdir + "/recv-lines", "lq", n, rounds,
                                 size),
                lambda: self.num(self.mqb, "recv-mq", "lq", n, rounds, size))
        finally:
            self.rmdir("mq", "lq")
        rate = lambda ns: 1e9 / ns
        self.row(7, "send-lines, %d msgs per write" % n, rate(s), rate(s_ref), "msg/s",
                 "mq_send", s_ref / s, (">=", 0.5))
        self.row(7, "recv-lines, 1 MiB reads", rate(r), rate(r_ref), "msg/s",
                 "mq_receive", r_ref / r, (">=", 0.5))

    def sysv_make(self, kind, line):
        with open(os.path.join(self.mnt, "sysv", kind, ".create"), "r+") as f:
            f.write(line + "\n")
            f.flush()
            return f.readline().strip()

    def case_sysv(self):
        """9: System V send/recv vs msgsnd/msgrcv and the FUSE floor; semop via a file;
        a segment's data read and written in 1 MiB blocks vs a /dev/shm file."""
        p = self.p
        size = p["msg"]
        q = self.sysv_make("msg", "")
        qdir = os.path.join(self.mnt, "sysv", "msg", q)
        # A round must fit the queue's qbytes (16384 by default).
        n = min(p["q"], 16384 // size)
        try:
            send, send_ref, floor_w = self.medians(
                p["reps"],
                lambda: self.num(self.sysvb, "send-fs", qdir + "/send", q, n, p["rounds"], size),
                lambda: self.num(self.sysvb, "send-sysv", q, n, p["rounds"], size),
                lambda: self.num(self.mqb, "write", self.floor + "/w", p["floor_n"], size))
            recv, recv_ref, floor_r = self.medians(
                p["reps"],
                lambda: self.num(self.sysvb, "recv-fs", qdir + "/recv", q, n, p["rounds"], size),
                lambda: self.num(self.sysvb, "recv-sysv", q, n, p["rounds"], size),
                lambda: self.num(self.mqb, "oread", self.floor + "/r", p["floor_n"]))
        finally:
            self.rmdir("sysv/msg", q)
        s = self.sysv_make("sem", "nsems=1")
        try:
            v, ref = self.medians(
                p["reps"],
                lambda: self.num(self.semb, "fs", os.path.join(self.mnt, "sysv", "sem", s, "0"),
                                 p["sem_n"]),
                lambda: self.num(self.sysvb, "semop", s, p["sem_n"]))
        finally:
            self.rmdir("sysv/sem", s)
        self.row(9, "sysv send vs FUSE floor write", send, floor_w, "ns", "floor write",
                 send / floor_w, ("<=", 1.25), "msgsnd %.0f ns" % send_ref)
        self.row(9, "sysv recv vs FUSE floor open+read+close", recv, floor_r, "ns",
                 "floor open+read+close", recv / floor_r, ("<=", 1.25),
                 "msgrcv %.0f ns" % recv_ref)
        self.row(9, "sysv semop post/wait via a semaphore file", v, ref, "ns", "semop",
                 v / ref)
        size, bs = p["shm_size"], p["shm_bs"]
        seg = self.sysv_make("shm", "size=%d" % size)
        data = os.path.join(self.mnt, "sysv", "shm", seg, "data")
        self.sh(self.shmb, "create", "bseg", str(size))
        try:
            # Fill the segment first, as create fills the /dev/shm file.
            self.num(self.shmb, "write", data, size, bs)
            pt = self.floor + "/pt"
            self.num(self.shmb, "write", pt, size, bs)
            rd, rd_ref, pt_rd = self.medians(
                p["shm_reps"],
                lambda: self.num(self.shmb, "read", data, size, bs),
                lambda: self.num(self.shmb, "read", "/dev/shm/bseg", size, bs),
                lambda: self.num(self.shmb, "read", pt, size, bs))
            wr, wr_ref, pt_wr = self.medians(
                p["shm_reps"],
                lambda: self.num(self.shmb, "write", data, size, bs),
                lambda: self.num(self.shmb, "write", "/dev/shm/bseg", size, bs),
                lambda: self.num(self.shmb, "write", pt, size, bs))
        finally:
            self.rmdir("sysv/shm", seg)
            self.rmdir("shm", "bseg")
        self.row(9, "sysv segment seq read, 1 MiB blocks", rd, rd_ref, "MiB/s",
                 "/dev/shm file", rd / rd_ref)
        self.row(9, "sysv segment seq write, 1 MiB blocks", wr, wr_ref, "MiB/s",
                 "/dev/shm file", wr / wr_ref)
        self.row(9, "sysv segment seq read vs passthrough floor", rd, pt_rd, "MiB/s",
                 "floor pread passthrough", rd / pt_rd, (">=", 0.9))
        self.row(9, "sysv segment seq write vs passthrough floor", wr, pt_wr, "MiB/s",
                 "floor pwrite passthrough", wr / pt_wr, (">=", 0.9))
    def case_holders(self):
        """8: who holds every pipe, every queue: holders files vs lsof."""
        p = self.p
        nproc, nfds, nq = p["hold_procs"], p["hold_fds"], p["hold_queues"]
        self.sh(self.mass, "mq-create", "hq", str(nq), "1", "16")
        crowd = subprocess.Popen([self.holdb, "hq", str(nproc), str(nfds), str(nq)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        last = [0.0]

        def cat(kind):
            # ipcfs keeps a scan for a second: every measurement pays for its own.
            time.sleep(max(0.0, last[0] + 1.1 - time.monotonic()))
            t = self.timed("sh", "-c", 'cat "$1"/%s/*/holders' % kind, "cat", self.mnt)
            last[0] = time.monotonic()
            return t

        def lsof(*what):
            return self.timed("lsof", "-n", "-P", "-w", *what)

        def lines(kind):
            time.sleep(1.1)
            return int(self.sh("sh", "-c", 'cat "$1"/%s/*/holders | wc -l' % kind, "cat",
                               self.mnt))

        try:
            if crowd.stdout.readline().strip() != "ready":
                raise RuntimeError("bench-holders did not start its %d processes" % nproc)
            # The work is done: one line per pipe end, one per queue descriptor.
            if lines("pipes") < 2 * nproc or lines("mq") < nproc:
                raise RuntimeError("holders miss some of the crowd's pipes or queues")
            pipes, pipes_ref, mq, mq_ref = self.medians(
                p["hold_reps"], lambda: cat("pipes"), lambda: lsof("+E"), lambda: cat("mq"),
                lambda: lsof("/dev/mqueue"))
        finally:
            crowd.stdin.close()
            crowd.wait(timeout=60)
            self.sh(self.mass, "mq-unlink", "hq", str(nq))
        what = "%d procs, %d fds" % (nproc, nproc * nfds)
        self.row(8, "cat pipes/*/holders, " + what, pipes, pipes_ref, "s", "lsof +E",
                 pipes / pipes_ref, ("<=", 1))
        self.row(8, "cat mq/*/holders, " + what, mq, mq_ref, "s", "lsof /dev/mqueue",
                 mq / mq_ref, ("<=", 1))

    def case_ns(self):
        """10: send/recv through ns/ipc:[N] by a process in another IPC namespace,
        vs the same through the top level: what a setns per request costs."""
        p = self.p
        q, rounds, size = p["q"], p["rounds"], p["msg"]
        # A fresh namespace has the kernel's default queue limits.
        guest = subprocess.Popen(
            ["unshare", "--ipc", "sh", "-c",
             "echo %d >/proc/sys/fs/mqueue/msg_max && echo ready && exec sleep 3600" % q],
            stdout=subprocess.PIPE, text=True)
        top = os.path.join(self.mnt, "mq", "bq")
        try:
            if guest.stdout.readline().strip() != "ready":
                raise RuntimeError("no process in a namespace of its own")
            nsq = os.path.join(self.mnt, "ns", os.readlink("/proc/%d/ns/ipc" % guest.pid), "mq")
            with open(os.path.join(nsq, ".create"), "w") as f:
                f.write("maxmsg=%d msgsize=64 bq" % q)
            nsq = os.path.join(nsq, "bq")
            self.make_queue("bq", q, 64)
            inside = ["nsenter", "-t", guest.pid, "--ipc", self.mqb]
            send, send_ns, recv, recv_ns = self.medians(
                p["reps"],
                lambda: self.num(self.mqb, "send-fs", top + "/send", "bq", q, rounds, size),
                lambda: self.num(*inside, "send-fs", nsq + "/send", "bq", q, rounds, size),
                lambda: self.num(self.mqb, "recv-fs", top + "/recv", "bq", q, rounds, size),
                lambda: self.num(*inside, "recv-fs", nsq + "/recv", "bq", q, rounds, size))
        finally:
            self.rmdir("mq", "bq")
            guest.kill()
            guest.wait()
        self.row(10, "ns/ send: write(2) per message", send_ns, send, "ns", "top-level send",
                 send_ns / send)
        self.row(10, "ns/ recv: open+read+close per msg", recv_ns, recv, "ns", "top-level recv",
                 recv_ns / recv)

    CASES = {
        "1": ("messages and FUSE floor", "case_messages", (1, 2)),
        "3": ("shared memory", "case_shm", (3,)),
        "4": ("semaphores", "case_sem", (4,)),
        "5": ("scripting", "case_scripting", (5,)),
        "6": ("listing", "case_listing", (6,)),
        "7": ("batch", "case_batch", (7,)),
        "8": ("holders", "case_holders", (8,)),
        "9": ("System V", "case_sysv", (9,)),
        "10": ("another namespace through ns/", "case_ns", (10,)),
    }

    def run(self):
        self.setup_namespace()
        self.mount(self.ipcfs_bin, self.mnt, "ipcfs")
        self.mount(self.floorfs_bin, self.floor, "floorfs")
        only = set(self.args.only.split(",")) if self.args.only else None
        try:
            for key, (title, meth, nums) in self.CASES.items():
                if only and not (only & {str(x) for x in nums}):
                    continue
                self.log("case %s: %s" % ("+".join(map(str, nums)), title))
                try:
                    getattr(self, meth)()
                except Exception as e:  # one broken case must not hide the others
                    self.fail_row(nums[0], title, e)
        finally:
            self.unmount_all()
        return self.report()

    # ---- output ---------------------------------------------------------
    def report(self):
        machine = machine_info(self.ipcfs_bin)
        table = render_table(self.rows)
        print()
        print(table)
        print()
        print("machine: %s" % ", ".join("%s %s" % kv for kv in machine.items()))
        missed = [r["what"] for r in self.rows if r["met"] is False]
        if missed:
            print("targets missed: %s" % "; ".join(missed))
        out = self.args.json or os.path.join(self.build, "bench.json")
        with open(out, "w") as f:
            json.dump(dict(quick=self.args.quick, params=self.p, machine=machine,
                           date=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                           rows=self.rows, errors=self.errors), f, indent=2)
            f.write("\n")
        print("JSON: %s" % out)
        if self.errors:
            print("bench: %d case(s) failed:\n  %s" % (len(self.errors), "\n  ".join(self.errors)))
            return 1
        return 0


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ns":
        return "%.2f µs/op" % (v / 1000) if v >= 1000 else "%.0f ns/op" % v
    if unit == "MiB/s":
        return "%.0f MiB/s" % v
    if unit == "msg/s":
        return "%.2f M msg/s" % (v / 1e6) if v >= 1e6 else "%.0f k msg/s" % (v / 1e3)
    if unit == "s":
        return "%.3f s" % v
    return "%g %s" % (v, unit)


def render_table(rows):
    head = ["case", "ipcfs", "reference", "ratio", "target", "met?"]
    lines = []
    for r in rows:
        ref = "-" if r["reference"] is None else "%s: %s" % (r["reference_name"],
                                                            fmt(r["reference"], r["unit"]))
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        if r["note"].startswith(("error", "skipped")):
            met = r["note"]
        lines.append(["%d %s" % (r["case"], r["what"]), fmt(r["ipcfs"], r["unit"]), ref,
                      "-" if r["ratio"] is None else "%.2f×" % r["ratio"],
                      r["target"] or "-", met])
    w = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    out = ["| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) + " |",
           "|" + "|".join("-" * (w[i] + 2) for i in range(len(head))) + "|"]
    for x in lines:
        out.append("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(x)) + " |")
    return "\n".join(out)


def machine_info(ipcfs_bin):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    fuse = "?"
    try:
        out = subprocess.run([ipcfs_bin, "-V"], stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            if line.startswith("FUSE library"):
                fuse = line.split()[-1]
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "libfuse": fuse}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="meson build directory")
    ap.add_argument("--quick", action="store_true", help="smoke mode: tiny sizes, seconds")
    ap.add_argument("--json", help="where to write the JSON (default BUILD/bench.json)")
    ap.add_argument("--reps", type=int, help="repetitions per measurement")
    ap.add_argument("--only", help="comma-separated case numbers (1-10; 2 runs with 1)")
    args = ap.parse_args()
    if os.environ.get(NS_ENV) != "1":
        if os.geteuid() != 0:
            print("bench: needs root (a private IPC + mount namespace, FUSE mounts)",
                  file=sys.stderr)
            return 77
        if not shutil.which("unshare"):
            print("bench: needs unshare (util-linux)", file=sys.stderr)
            return 1
        if args.json:
            args.json = os.path.abspath(args.json)
        argv = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
        if args.json:
            argv += ["--json", args.json]
        os.environ[NS_ENV] = "1"
        os.execvp("unshare", ["unshare", "--ipc", "--mount", "--propagation", "private", "--"]
                  + argv)
    b = Bench(args)
    try:
        return b.run()
    finally:
        # Only when nothing is mounted there any more.
        if not any(os.path.ismount(d) for d in (b.mnt, b.floor)):
            shutil.rmtree(b.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
