#!/usr/bin/env python3
"""Side-by-side benchmark: direct PostgreSQL, socat, PgBouncer (session mode) and HoopGate.

Every workload runs against every target in the same round, in rotating order, for several rounds;
the report gives medians and ratios against direct and against PgBouncer. Figures on a shared 2-core
machine are noisy: only ratios measured in one run mean anything.

Usage: tests/bench/run.sh [--rounds N] [--duration S] [--quick]   (run.sh builds HoopGate first)
"""
import argparse, json, os, pwd, re, shutil, signal, socket, statistics, struct, subprocess, sys, tempfile, time

PG_BIN = next((f"/usr/lib/postgresql/{v}/bin" for v in ("17", "16", "15", "14") if os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb")), None)
USER, PASSWORD = "bench", "bench-password"          # throwaway, loopback only
CLIENT_USER, CLIENT_PASSWORD = "bench", "bench-client-password"
ROWS_SQL = "SELECT g, repeat('x', 90) FROM generate_series(1, 1000000) g"
# The masking workload: every patient with three protected columns (ssn partial, email, phone partial) and two clean ones.
MASKED_SQL = "SELECT id, ssn, email, phone, diagnosis FROM clinic.patients"
BENCH_POLICY = """version: 1
everyone:
  statements: [select, show, set, transaction, utility]
  read: [pg_catalog.*, information_schema.*]
groups:
  bench:
    statements: [copy]
    read: [public.*, clinic.*]
masking:
  refusePredicates: true
  classes:
    ssn: {method: partial, keep: 4}
    dob: year
    phone: {method: partial, keep: 4}
    mrn: pseudonym
    name: pseudonym
    note: redact
    card: {method: partial, keep: 4}
functions:
  deny: [pg_stat_get_activity, pg_stat_statements]
guardrails:
  - {name: other-sessions, action: deny, reason: other sessions' SQL, tables: [pg_catalog.pg_stat_activity, "*.pg_stat_statements"]}
  - {name: unbounded-write, action: deny, reason: needs a WHERE, unboundedWrite: true}
  - {name: search-path, action: deny, reason: qualify names, settings: [search_path]}
  - {name: destructive-ddl, action: review, reason: needs approval, commands: ["DROP *", TRUNCATE, "ALTER *"]}
  - {name: privileges, action: review, reason: needs approval, kinds: [dcl]}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.geteuid() == 0 else cmd


def run(cmd, env=None, check=True, timeout=600, **kw):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port} after {timeout}s")


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="hoopgate-bench-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.ports = {}
        self.pids = {}
        self.cpu = {}

    # ---------------------------------------------------------------- setup
    def start(self):
        data = os.path.join(self.dir, "data")
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(pw, "postgres", "postgres")
        run(as_postgres([f"{PG_BIN}/initdb", "-D", data, "-U", USER, "--pwfile", pw, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C"]))
        self.ports["direct"] = free_port()
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"\nlisten_addresses='127.0.0.1'\nport={self.ports['direct']}\nunix_socket_directories='{self.dir}'\n"
                    "max_connections=1200\nshared_buffers=256MB\nfsync=off\nsynchronous_commit=off\n")
        run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-l", os.path.join(self.dir, "pg.log"), "start"]))
        self.data = data
        env = {"PGPASSWORD": PASSWORD}
        run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.ports["direct"]), "-U", USER, "-d", "postgres", "-c", "CREATE DATABASE bench"], env=env)
        run(["pgbench", "-i", "-q", "-s", str(self.args.scale), "-h", "127.0.0.1", "-p", str(self.ports["direct"]), "-U", USER, "bench"], env=env)
        if "masked" in self.args.workloads.split(","):
            # The sample clinic data (phi: tags say which columns are protected), loaded into the bench database.
            script = os.path.join(self.dir, "clinic.sql")
            run([self.args.hoopgate, "sample-data", "--patients", str(self.args.patients), "--output", script])
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.ports["direct"]), "-U", USER, "-d", "bench", "-f", script], env=env)
        # The audit store: a database of its own in the same cluster (the gateway's strict audit ships into it).
        run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.ports["direct"]), "-U", USER, "-d", "postgres", "-c", "CREATE DATABASE hoopgate_audit"], env=env)

        # socat: a plain byte forwarder, the floor of what any proxy costs.
        self.ports["socat"] = free_port()
        self.spawn(["socat", f"TCP-LISTEN:{self.ports['socat']},bind=127.0.0.1,fork,reuseaddr,nodelay", f"TCP:127.0.0.1:{self.ports['direct']},nodelay"])

        # PgBouncer in session mode: the bar.
        self.ports["pgbouncer"] = free_port()
        ini = os.path.join(self.dir, "pgbouncer.ini")
        users = os.path.join(self.dir, "userlist.txt")
        with open(users, "w") as f:
            f.write(f'"{USER}" "{PASSWORD}"\n')
        with open(ini, "w") as f:
            f.write(f"""[databases]
* = host=127.0.0.1 port={self.ports['direct']}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.ports['pgbouncer']}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {users}
pool_mode = session
max_client_conn = 2000
default_pool_size = 100
logfile = {self.dir}/pgbouncer.log
pidfile = {self.dir}/pgbouncer.pid
""")
        if os.geteuid() == 0:
            for p in (ini, users):
                shutil.chown(p, "postgres", "postgres")
        self.spawn(as_postgres(["pgbouncer", ini]))

        # HoopGate authenticates with OIDC tokens from the development issuer, as clients would: the
        # connect workload then measures token validation plus the upstream SCRAM login.
        global CLIENT_PASSWORD
        issuer_port = free_port()
        key = os.path.join(self.dir, "issuer.key")
        self.spawn([self.args.hoopgate, "dev-issuer", "--port", str(issuer_port), "--key-file", key])
        wait_port(issuer_port)
        issuer = f"http://127.0.0.1:{issuer_port}/hoopgate-dev"
        CLIENT_PASSWORD = run([self.args.hoopgate, "dev-token", "--issuer", issuer, "--key-file", key, "--sub", "bench-client",
                               "--groups", "bench", "--ttl", "4h"]).stdout.strip()
        self.ports["hoopgate"] = free_port()
        cfg = os.path.join(self.dir, "hoopgate.json")
        with open(cfg, "w") as f:
            json.dump({"HoopGate": {
                "Gateway": {"ListenAddress": "127.0.0.1", "Port": self.ports["hoopgate"], "Tls": {"Required": False},
                            "MaxConnections": 5000, "MaxConnectionsPerAddress": 5000},
                "Upstream": {"Host": "127.0.0.1", "Port": self.ports["direct"], "User": USER, "SslMode": "Disable"},
                "Authentication": {"Mode": "Oidc", "AllowPlaintextTokens": True},
                "Oidc": {"Issuers": [{"Issuer": issuer, "AllowHttp": True, "Audiences": ["hoopgate"]}]},
                "Grants": [{"Group": "bench", "Databases": ["*"], "MaxSessionMinutes": 240}],
                "Audit": {"Mode": "Strict", "MigrateOnStart": True, "SpoolDirectory": os.path.join(self.dir, "spool"),
                          "ParameterKey": "bench-parameter-key-not-a-secret-0123456789",
                          "ConnectionString": f"Host=127.0.0.1;Port={self.ports['direct']};Database=hoopgate_audit;Username={USER};Password={PASSWORD}"},
                "Logging": {"Level": "Warning"}}}, f)
        # The policy beside the configuration: the shipped default's rules, with the bench group reading public.
        with open(os.path.join(self.dir, "policy.yaml"), "w") as f:
            f.write(BENCH_POLICY)
        env = {"HoopGate__Upstream__Password": PASSWORD}
        env.update(dict(x.split("=", 1) for x in self.args.hoopgate_env))
        self.hoopgate = self.spawn([self.args.hoopgate, "run", "--config", cfg], env=env)
        self.pids["hoopgate"] = self.hoopgate.pid
        # Variants: more HoopGate processes with other runtime settings, measured in the same rounds.
        for variant in self.args.variant:
            name, _, settings = variant.partition(":")
            self.ports[name] = free_port()
            venv = dict(env)
            venv.update(dict(x.split("=", 1) for x in settings.split(",") if x))
            venv["HoopGate__Gateway__Port"] = str(self.ports[name])
            venv["HoopGate__Audit__SpoolDirectory"] = os.path.join(self.dir, "spool-" + name)  # one spool per instance
            self.pids[name] = self.spawn([self.args.hoopgate, "run", "--config", cfg], env=venv).pid
        # Builds: other hoopgate executables (another commit) with the same configuration, measured in the same rounds.
        for build in self.args.build:
            name, _, path = build.partition(":")
            path, _, policy = path.partition(":")
            self.ports[name] = free_port()
            benv = dict(env)
            benv["HoopGate__Gateway__Port"] = str(self.ports[name])
            benv["HoopGate__Audit__SpoolDirectory"] = os.path.join(self.dir, "spool-" + name)  # one spool per instance
            # A build from before masking does not know the policy's masking keys: unless ":full" follows its path, it gets
            # the policy without its masking section (and so does less work than this one).
            if policy != "full":
                older = os.path.join(self.dir, "policy-" + name + ".yaml")
                with open(older, "w") as f:
                    f.write(re.sub(r"(?m)^masking:\n(?:  .*\n)*", "", BENCH_POLICY))
                benv["HoopGate__Policy__Path"] = older
            self.pids[name] = self.spawn([path, "run", "--config", cfg], env=benv).pid
        for name in self.ports:
            try:
                wait_port(self.ports[name])
            except SystemExit:
                # Say why: the standard error of every process started so far.
                for log in sorted(f for f in os.listdir(self.dir) if f.startswith("process-")):
                    with open(os.path.join(self.dir, log)) as f:
                        print(f"--- {name}? {log}:\n{f.read()[-2000:]}", file=sys.stderr)
                raise
        if self.pgbouncer_pid():
            self.pids["pgbouncer"] = self.pgbouncer_pid()

    def spawn(self, cmd, env=None):
        e = dict(os.environ)
        e.update(env or {})
        log = open(os.path.join(self.dir, f"process-{len(self.procs)}.err"), "a")
        p = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL, stderr=log)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"]), check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- workloads
    def env_for(self, target):
        return {"PGPASSWORD": PASSWORD if target in ("direct", "socat", "pgbouncer") else CLIENT_PASSWORD}

    def pgbench(self, target, clients, mode, connect=False):
        cmd = ["pgbench", "-n", "-S"] + (["-C"] if connect else []) + ["-M", mode, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(self.args.duration),
               "-h", "127.0.0.1", "-p", str(self.ports[target]), "-U", USER, "bench"]
        pid = self.pids.get(target)
        before = cpu_seconds(pid) if pid else 0
        out = run(cmd, env=self.env_for(target)).stdout
        m = re.search(r"tps = ([0-9.]+) \((?:without|excluding|including)", out)
        tps = float(m.group(1))
        if pid:
            transactions = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
            key = (clients, mode + (" -C" if connect else ""), target)
            self.cpu.setdefault(key, []).append((cpu_seconds(pid) - before) * 1e6 / max(transactions, 1))
        return tps

    def stream(self, target, how):
        sql = {"psql": ROWS_SQL, "copy": f"COPY ({ROWS_SQL}) TO STDOUT", "masked": MASKED_SQL}[how]
        cmd = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.ports[target]), "-U", USER, "-d", "bench", "-c", sql]
        start = time.perf_counter()
        with open(os.devnull, "w") as sink:
            p = subprocess.run(cmd, env={**os.environ, **self.env_for(target)}, stdout=sink, stderr=subprocess.PIPE, text=True, timeout=300)
        if p.returncode != 0:
            raise SystemExit(p.stderr)
        return time.perf_counter() - start

    def idle_memory(self, count):
        """RSS growth of HoopGate (and PgBouncer) per idle, authenticated session."""
        results = {}
        for target, pid in (("hoopgate", self.hoopgate.pid), ("pgbouncer", self.pgbouncer_pid())):
            if pid is None:
                continue
            time.sleep(1)
            before = rss_kb(pid)
            socks = []
            password = CLIENT_PASSWORD if target == "hoopgate" else PASSWORD
            for _ in range(count):
                socks.append(open_session(self.ports[target], USER, password))
            time.sleep(2)
            after = rss_kb(pid)
            for s in socks:
                s.close()
            results[target] = (after - before) * 1024 / count
            time.sleep(2)
        return results

    def pgbouncer_pid(self):
        try:
            with open(os.path.join(self.dir, "pgbouncer.pid")) as f:
                return int(f.read().strip())
        except OSError:
            return None


class SessionRefused(SystemExit):
    """The server or proxy answered the startup with an ErrorResponse (its SQLSTATE in sqlstate)."""

    def __init__(self, body):
        super().__init__("session refused: " + body.decode(errors="replace"))
        fields = dict((f[:1], f[1:]) for f in body.split(b"\0") if f)
        self.sqlstate = fields.get(b"C", b"?").decode()


def open_session(port, user, password, timeout=None):
    """A minimal protocol-3 client: startup, cleartext or SCRAM (PgBouncer), up to ReadyForQuery."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    params = b"user\0" + user.encode() + b"\0database\0bench\0\0"
    s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
    scram = None
    while True:
        t, body = read_msg(s)
        if t == b"R":
            code = struct.unpack("!i", body[:4])[0]
            if code == 3:
                pw = password.encode() + b"\0"
                s.sendall(b"p" + struct.pack("!i", 4 + len(pw)) + pw)
            elif code == 10:
                scram = Scram(password)
                first = scram.first()
                mech = b"SCRAM-SHA-256\0"
                s.sendall(b"p" + struct.pack("!i", 4 + len(mech) + 4 + len(first)) + mech + struct.pack("!i", len(first)) + first)
            elif code == 11:
                final = scram.final(body[4:])
                s.sendall(b"p" + struct.pack("!i", 4 + len(final)) + final)
        elif t == b"E":
            s.close()
            raise SessionRefused(body)
        elif t == b"Z":
            return s


def read_msg(s):
    head = recv_exact(s, 5)
    n = struct.unpack("!i", head[1:])[0]
    return head[:1], recv_exact(s, n - 4)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
    return buf


class Scram:
    def __init__(self, password):
        import base64, os as _os
        self.password = password.encode()
        self.nonce = base64.b64encode(_os.urandom(18)).decode()

    def first(self):
        self.bare = "n=,r=" + self.nonce
        return ("n,," + self.bare).encode()

    def final(self, server_first):
        import base64, hashlib, hmac
        sf = server_first.decode()
        parts = dict(p.split("=", 1) for p in sf.split(","))
        salted = hashlib.pbkdf2_hmac("sha256", self.password, base64.b64decode(parts["s"]), int(parts["i"]))
        ck = hmac.new(salted, b"Client Key", "sha256").digest()
        without = "c=biws,r=" + parts["r"]
        auth = (self.bare + "," + sf + "," + without).encode()
        sig = hmac.new(hashlib.sha256(ck).digest(), auth, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(ck, sig))
        return (without + ",p=" + base64.b64encode(proof).decode()).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hoopgate", required=True, help="path of the published hoopgate executable")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5, help="seconds per pgbench run")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=20, help="seconds of pgbench -S -c 16 against each target before the rounds (not recorded), "
                    "as 2-second runs alternating simple and extended, each with 16 new sessions: HoopGate's JIT tiers its hot "
                    "paths up meanwhile, the per-session ones only after about a hundred sessions, which would otherwise take "
                    "a share of the rounds' CPU")
    ap.add_argument("--idle", type=int, default=1000, help="idle sessions for the memory figure")
    ap.add_argument("--targets", default="direct,socat,pgbouncer,hoopgate")
    ap.add_argument("--workloads", default="S1,S16,E16,C1,psql,copy")
    ap.add_argument("--hoopgate-env", action="append", default=[], help="NAME=VALUE for the HoopGate process (to compare runtime knobs)")
    ap.add_argument("--variant", action="append", default=[], help="NAME:ENV=VALUE,... an extra HoopGate target with other environment settings")
    ap.add_argument("--build", action="append", default=[], help="NAME:PATH[:full] an extra HoopGate target run from another hoopgate executable (another commit); "
                    "without :full it gets the policy without its masking section, which builds before masking refuse")
    ap.add_argument("--patients", type=int, default=1000000, help="sample clinic patients for the masked workload")
    ap.add_argument("--output", help="write the Markdown report here as well")
    args = ap.parse_args()
    targets = args.targets.split(",") + [v.partition(":")[0] for v in args.variant] + [b.partition(":")[0] for b in args.build]
    workloads = {
        "S1": ("pgbench -S -c 1 (TPS)", lambda b, t: b.pgbench(t, 1, "simple"), True),
        "S16": ("pgbench -S -c 16 (TPS)", lambda b, t: b.pgbench(t, 16, "simple"), True),
        "E16": ("pgbench -S -M extended -c 16 (TPS)", lambda b, t: b.pgbench(t, 16, "extended"), True),
        "C1": ("pgbench -S -C -c 1, a new connection per transaction (TPS)", lambda b, t: b.pgbench(t, 1, "simple", connect=True), True),
        "psql": ("1M rows via psql SELECT (s)", lambda b, t: b.stream(t, "psql"), False),
        "copy": ("1M rows via COPY TO STDOUT (s)", lambda b, t: b.stream(t, "copy"), False),
        "masked": ("clinic.patients via psql, 3 of 5 columns masked by HoopGate (s)", lambda b, t: b.stream(t, "masked"), False),
    }
    chosen = [w for w in args.workloads.split(",") if w in workloads]
    b = Bench(args)
    results = {w: {t: [] for t in targets} for w in chosen}
    try:
        b.start()
        if args.warmup > 0:
            measured = args.duration
            args.duration = 2
            for t in targets:
                for run_number in range(max(2, args.warmup // 2)):
                    b.pgbench(t, 16, "simple" if run_number % 2 == 0 else "extended")
            args.duration = measured
            b.cpu.clear()
            print("warm-up done", file=sys.stderr, flush=True)
        for r in range(args.rounds):
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for w in chosen:
                for t in order:
                    results[w][t].append(workloads[w][1](b, t))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
        memory = b.idle_memory(args.idle) if args.idle else {}
    finally:
        b.stop()

    lines = [f"rounds: {args.rounds}, pgbench -T {args.duration}, scale {args.scale}, cores: {os.cpu_count()}", "",
             "| workload | " + " | ".join(targets) + " | HoopGate/direct | HoopGate/PgBouncer |",
             "|---|" + "---|" * len(targets) + "---|---|"]
    for w in chosen:
        label, _, higher_better = workloads[w]
        med = {t: statistics.median(results[w][t]) for t in targets}
        fmt = (lambda v: f"{v:,.0f}") if higher_better else (lambda v: f"{v:.2f}")
        vs_direct = med.get("hoopgate", 0) / med["direct"] if "direct" in med else float("nan")
        vs_bouncer = med.get("hoopgate", 0) / med["pgbouncer"] if "pgbouncer" in med else float("nan")
        lines.append(f"| {label} | " + " | ".join(fmt(med[t]) for t in targets) + f" | {vs_direct:.2f}× | {vs_bouncer:.2f}× |")
    lines.append("")
    lines.append("Per-round values (same order as the columns):")
    for w in chosen:
        lines.append(f"- {w}: " + "; ".join(f"{t} " + ", ".join(f"{v:.0f}" if workloads[w][2] else f"{v:.2f}" for v in results[w][t]) for t in targets))
    if memory:
        lines.append("")
        lines.append(f"Memory per idle authenticated session ({args.idle} sessions, RSS growth): " +
                     ", ".join(f"{t} {v / 1024:.1f} KiB" for t, v in memory.items()))
    if b.cpu:
        lines.append("")
        lines.append("Proxy CPU per transaction (µs, median over rounds, user+system of the proxy process):")
        for (clients, mode, target), values in sorted(b.cpu.items()):
            lines.append(f"- pgbench -M {mode} -c {clients}, {target}: {statistics.median(values):.1f}")
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
