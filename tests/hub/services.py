"""services.py — throwaway PostgreSQL clusters and Redis servers for the hub tests.

Each test starts its own: a PostgreSQL cluster made by initdb in a temporary directory and
a redis-server with its data in one, both listening on 127.0.0.1 on a free port, and
stopped (directories removed) afterwards, so tests never touch a system service or each
other. PostgreSQL refuses to run as root, and CI runs as root: the cluster then runs as
the unprivileged `nobody`, which owns the temporary directory. Binaries come from Debian
(scripts/install-deps installs postgresql and redis-server); `missing()` says which are
absent so a test can skip (exit 77) only in that case.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def pg_bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def missing(pg=True, redis=False):
    out = []
    if pg and not pg_bindir():
        out.append("postgresql (initdb)")
    if redis and not shutil.which("redis-server"):
        out.append("redis-server")
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate(proc, sig, timeout):
    """Signals proc and waits; SIGKILL when it does not exit in time."""
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_port(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


class Service:
    """A server in its own temporary directory: `with X() as x:` starts and removes it."""

    def stop(self):
        try:
            self._halt()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Postgres(Service):
    """A private cluster. url(db) is a libpq URL; create_db() makes a fresh database."""

    USER = "bongsu"

    def __init__(self, fsync=False, settings=None):
        self.bindir = pg_bindir()
        self.tmp = tempfile.mkdtemp(prefix="bongsu-pg-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        self.fsync = fsync
        self.settings = dict(settings or {})
        self.proc = None
        self.port = None
        self.runas = None
        if os.geteuid() == 0:
            self.runas = pwd.getpwnam("nobody")
            os.chown(self.tmp, self.runas.pw_uid, self.runas.pw_gid)
        self.n = 0

    def _run(self, args, **kw):
        if self.runas:
            kw.update(user=self.runas.pw_uid, group=self.runas.pw_gid, extra_groups=[])
        return subprocess.run(args, cwd=self.tmp, **kw)

    def start(self):
        p = self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", self.USER,
                       "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
                      capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"initdb failed: {p.stderr[-2000:]}")
        for _ in range(5):  # the port may be taken between free_port() and listen()
            self.port = free_port()
            self._spawn()
            try:
                wait_port(self.port, self.proc)
                self._wait_ready()
                return self
            except RuntimeError:
                self._kill()
        raise RuntimeError("postgres did not start: " + self.logtail())

    def _spawn(self):
        args = [os.path.join(self.bindir, "postgres"), "-D", self.data,
                "-h", "127.0.0.1", "-p", str(self.port), "-k", self.tmp,
                "-c", "max_connections=200", "-c", "shared_buffers=128MB",
                "-c", f"fsync={'on' if self.fsync else 'off'}"]
        for k, v in self.settings.items():
            args += ["-c", f"{k}={v}"]
        kw = {}
        if self.runas:
            kw = dict(user=self.runas.pw_uid, group=self.runas.pw_gid, extra_groups=[])
        self.log = open(os.path.join(self.tmp, "postgres.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, cwd=self.tmp, **kw)

    def _wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.psql("postgres", "SELECT 1", check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres not accepting connections")

    def logtail(self):
        try:
            with open(os.path.join(self.tmp, "postgres.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def url(self, db="postgres"):
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{db}"

    def psql(self, db, sql, check=True):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-d", self.url(db), "-c", sql],
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"psql: {p.stderr}")
        return p

    def create_db(self, prefix="hub"):
        self.n += 1
        name = f"{prefix}_{os.getpid()}_{self.n}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return self.url(name)

    def restart(self, crash=False):
        """Fast shutdown (clients are disconnected) and start on the same port; with
        crash, an immediate shutdown instead (SIGQUIT: every process exits at once,
        writing nothing, as in a crash; the start recovers from the WAL)."""
        self._stop(3 if crash else 2)
        self._spawn()
        wait_port(self.port, self.proc)
        self._wait_ready()

    def _stop(self, sig):
        if self.proc:
            terminate(self.proc, sig, 30)
            self.log.close()
        self.proc = None

    def _kill(self):
        self._stop(9)

    def _halt(self):
        self._stop(2)  # SIGINT: fast shutdown


class Redis(Service):
    """A private redis-server; appendonly=True makes every write go to an fsync'd AOF."""

    def __init__(self, appendonly=False):
        self.tmp = tempfile.mkdtemp(prefix="bongsu-redis-")
        self.appendonly = appendonly
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            self._spawn()
            try:
                wait_port(self.port, self.proc)
                return self
            except RuntimeError:
                self.proc.kill()
                self.proc.wait()
        raise RuntimeError("redis-server did not start")

    def _spawn(self):
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", self.tmp, "--save", "", "--daemonize", "no",
                "--logfile", os.path.join(self.tmp, "redis.log")]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def cli(self, *args):
        p = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        return p.stdout.strip()

    def restart(self):
        self.proc.kill()  # as a crash would: only what the AOF holds survives
        self.proc.wait()
        self._spawn()
        wait_port(self.port, self.proc)

    def _halt(self):
        terminate(self.proc, 15, 15)
