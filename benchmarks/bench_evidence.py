"""Evidence benchmark: registering a large file (hash + encrypt) beside sha256sum and openssl enc.

    python benchmarks/bench_evidence.py [--size-mib 1024] [--dir /tmp]

Each measurement runs in its own child process, on the same file, in the same run, after one warm-up
read so every contender starts from the page cache. Peak RSS per child comes from wait4().
Figures (targets from the evidence brief in brackets):
  * sha256sum, openssl enc -aes-256-gcm (or -ctr when enc refuses AEAD ciphers), MB/s
  * crypto.encrypt_stream (SHA-256 + CEV1 AES-256-GCM, file to file), MB/s and peak RSS
  * do_register_evidence on the file (Django, SQLite, the whole action: stat checks, hash + encrypt,
    fsync, signed and time-stamped custody event, audit), MB/s [>= 70% of sha256sum], peak RSS [< 100 MB]
Timings only; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def run(cmd, env=None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB, and stdout of a child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024, out


CHILD_STREAM = """
import sys, time
sys.path.insert(0, {src!r})
from comity.evidence import crypto
t = time.perf_counter()
with open({path!r}, 'rb', buffering=0) as f, open({out!r}, 'wb') as o:
    r = crypto.encrypt_stream(f, o, crypto.new_key())
    o.flush()
print(time.perf_counter() - t, r.digests['sha256'])
"""

CHILD_REGISTER = """
import os, sys, time
sys.path.insert(0, {src!r})
os.environ['DJANGO_SETTINGS_MODULE'] = 'comity.settings'
import django
django.setup()
from django.core.management import call_command
call_command('migrate', verbosity=0)
from comity.accounts.actions import do_create_user
from comity.cases import actions as case_actions
from comity.evidence import actions, keys
keys.init_master_key()
user = do_create_user(username='bench', password='correct-horse-battery-42', role='supervisor')
case = case_actions.do_create_case(title='Benchmark', acting_user=user)
def vm(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) // 1024
base = vm('VmRSS')
with open('/proc/self/clear_refs', 'w') as f:  # reset VmHWM: measure the peak during registration only
    f.write('5')
t = time.perf_counter()
item = actions.do_register_evidence(case, kind='digital', title='image', date_obtained='2026-01-01',
                                    source_path={path!r}, acting_user=user, via='cli')
elapsed = time.perf_counter() - t
print(base, vm('VmHWM'), elapsed, item.sha256)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-", dir=args.dir))
    path = work / "evidence.bin"
    size = args.size_mib * 1024 * 1024
    with open(path, "wb") as f:
        block = os.urandom(8 * 1024 * 1024)
        for _ in range(size // len(block)):
            f.write(block[:16] + os.urandom(16) + block[32:])  # cheap, but not one repeated block
        f.write(os.urandom(size % len(block)))
    mb = size / 1e6
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    print(f"file: {args.size_mib} MiB in {work}")

    rows = []
    t, rss, out = run(["sha256sum", str(path)])
    ref_sha = out.split()[0]
    rows.append(("sha256sum", t, rss))
    sha_speed = mb / t
    key, iv = os.urandom(32).hex(), os.urandom(12).hex()
    try:
        t, rss, _ = run(["openssl", "enc", "-aes-256-gcm", "-K", key, "-iv", iv, "-in", str(path),
                         "-out", str(work / "openssl.out")])
        rows.append(("openssl enc -aes-256-gcm", t, rss))
    except SystemExit:
        t, rss, _ = run(["openssl", "enc", "-aes-256-ctr", "-K", key, "-iv", iv + "00000000", "-in", str(path),
                         "-out", str(work / "openssl.out")])
        rows.append(("openssl enc -aes-256-ctr (enc has no GCM)", t, rss))
    (work / "openssl.out").unlink(missing_ok=True)

    t_wall, rss, out = run([PY, "-c", CHILD_STREAM.format(src=str(ROOT / "src"), path=str(path),
                                                         out=str(work / "stream.cev"))])
    t_inner, digest = out.split()
    assert digest == ref_sha, "encrypt_stream's SHA-256 differs from sha256sum"
    rows.append(("crypto.encrypt_stream (hash + CEV1)", float(t_inner), rss))
    (work / "stream.cev").unlink(missing_ok=True)

    env = dict(os.environ, COMITY_DATA_DIR=str(work / "data"), COMITY_MAX_UPLOAD_BYTES=str(size * 2),
               DATABASE_URL=f"sqlite:///{work / 'data' / 'bench.sqlite3'}")
    env.pop("COMITY_MASTER_KEY", None)
    t_wall, rss, out = run([PY, "-c", CHILD_REGISTER.format(src=str(ROOT / "src"), path=str(path))], env=env)
    base, during, t_inner, digest = out.split()[-4:]
    assert digest == ref_sha, "do_register_evidence's SHA-256 differs from sha256sum"
    rows.append(("do_register_evidence (whole action)", float(t_inner), int(during)))
    notes = (f"do_register_evidence: peak RSS {during} MiB during the call (Django loaded: {base} MiB before it; "
             f"the child's lifetime peak, migrations included, was {rss} MiB)")

    print(f"{'what':45} {'seconds':>8} {'MB/s':>8} {'vs sha256sum':>13} {'peak RSS MiB':>13}")
    for name, t, rss in rows:
        print(f"{name:45} {t:8.2f} {mb / t:8.0f} {mb / t / sha_speed:12.0%} {rss:13d}")
    print(notes)
    print("target: do_register_evidence >= 70% of sha256sum's speed, peak RSS < 100 MB")
    subprocess.run(["rm", "-rf", str(work)], check=True)


if __name__ == "__main__":
    main()
