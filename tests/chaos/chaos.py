#!/usr/bin/env python3
"""Faults under load: pgbench (or raw clients) through HoopGate with strict audit while something goes wrong, then the
audit store counted against what the clients saw.

Each scenario runs under an identity of its own (a token for subject chaos-<scenario>), so that its records can be
counted: every transaction pgbench reports as processed is a statement that ran, and each must have its start record
(made durable before the statement went upstream) — none may be missing, and no statement may be recorded twice. The
gateway's RSS is sampled every second throughout.

  tests/chaos/run.sh [--scenarios kill9,audit-outage,upstream-restart,slow-reader,connection-storm,token-expiry]
  tests/chaos/run.sh --scenarios soak [--soak-minutes 30]     # mixed load; RSS, threads, handles every 10 s
"""
import argparse, json, os, re, shutil, signal, socket, statistics, struct, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from bench import PG_BIN, SessionRefused, as_postgres, free_port, open_session, read_msg, rss_kb, run, wait_port  # noqa: E402

USER, PASSWORD = "chaos", "chaos-upstream-password"   # throwaway, loopback only
AUDIT_USER, AUDIT_PASSWORD = "chaos_audit", "chaos-audit-password"
POLICY = """version: 1
everyone:
  statements: [select, show, set, transaction, utility]
  read: [public.*, pg_catalog.*]
masking:
  columns:
    public.patients.ssn: ssn
  classes:
    ssn: {method: partial, keep: 4}
"""


class Cluster:
    """A throwaway PostgreSQL cluster that can be stopped and started again."""

    def __init__(self, root, name, user, password):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.user, self.password = user, password
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(pw, "postgres", "postgres")
        run(as_postgres([f"{PG_BIN}/initdb", "-D", self.data, "-U", user, "--pwfile", pw, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C"]))
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"\nlisten_addresses='127.0.0.1'\nport={self.port}\nunix_socket_directories='{self.dir}'\n"
                    "max_connections=1100\nshared_buffers=128MB\nfsync=off\nsynchronous_commit=off\n")
        self.start()

    def start(self):
        run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.dir, "pg.log"), "start"]))

    def stop(self, mode="fast"):
        run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-m", mode, "stop"]), check=False)

    def restart(self):
        run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-m", "fast", "-l", os.path.join(self.dir, "pg.log"), "restart"]))

    def psql(self, database, sql):
        return run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database, "-c", sql],
                   env={"PGPASSWORD": self.password}).stdout.strip()


class Chaos:
    def __init__(self, hoopgate):
        self.hoopgate = hoopgate
        self.dir = tempfile.mkdtemp(prefix="hoopgate-chaos-")
        os.chmod(self.dir, 0o755)
        self.upstream = Cluster(self.dir, "upstream", USER, PASSWORD)
        self.upstream.psql("postgres", "CREATE DATABASE bench")
        run(["pgbench", "-i", "-q", "-s", "2", "-h", "127.0.0.1", "-p", str(self.upstream.port), "-U", USER, "bench"], env={"PGPASSWORD": PASSWORD})
        # Protected values for the soak's masked reads.
        self.upstream.psql("bench", "CREATE TABLE patients AS SELECT g AS id, format('900-%s-%s', lpad((g % 100)::text, 2, '0'), "
                           "lpad(g::text, 4, '0')) AS ssn FROM generate_series(1, 1000) g")
        self.audit = Cluster(self.dir, "audit", AUDIT_USER, AUDIT_PASSWORD)
        self.audit.psql("postgres", "CREATE DATABASE hoopgate_audit")
        self.key = os.path.join(self.dir, "issuer.key")
        issuer_port = free_port()
        self.issuer_process = subprocess.Popen([hoopgate, "dev-issuer", "--port", str(issuer_port), "--key-file", self.key],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(issuer_port)
        self.issuer = f"http://127.0.0.1:{issuer_port}/hoopgate-dev"
        self.port, self.admin_port = free_port(), free_port()
        self.config = os.path.join(self.dir, "hoopgate.json")
        with open(self.config, "w") as f:
            json.dump({"HoopGate": {
                "Gateway": {"ListenAddress": "127.0.0.1", "Port": self.port, "Tls": {"Required": False},
                            "MaxConnections": 1000, "MaxConnectionsPerAddress": 5000, "StartupTimeoutSeconds": 30},
                "Upstream": {"Host": "127.0.0.1", "Port": self.upstream.port, "User": USER, "SslMode": "Disable"},
                "Authentication": {"Mode": "Oidc", "AllowPlaintextTokens": True},
                "Oidc": {"Issuers": [{"Issuer": self.issuer, "AllowHttp": True, "Audiences": ["hoopgate"]}]},
                "Grants": [{"Group": "chaos", "Databases": ["*"], "MaxSessionMinutes": 240}],
                "Audit": {"Mode": "Strict", "MigrateOnStart": True, "SpoolDirectory": os.path.join(self.dir, "spool"),
                          "ParameterKey": "chaos-parameter-key-not-a-secret-0123456789",
                          "ConnectionString": f"Host=127.0.0.1;Port={self.audit.port};Database=hoopgate_audit;Username={AUDIT_USER};Password={AUDIT_PASSWORD}"},
                "Admin": {"Enabled": True, "ListenAddress": "127.0.0.1", "Port": self.admin_port, "AllowInsecureHttp": True},
                "Logging": {"Level": "Warning"}}}, f)
        with open(os.path.join(self.dir, "policy.yaml"), "w") as f:
            f.write(POLICY)
        self.gateway = None
        self.rss = []
        self.sampling = True
        self.start_gateway()
        threading.Thread(target=self.sample_rss, daemon=True).start()

    # ------------------------------------------------------------ processes
    def start_gateway(self):
        log = open(os.path.join(self.dir, "gateway.log"), "a")
        self.gateway = subprocess.Popen([self.hoopgate, "run", "--config", self.config], stdout=log, stderr=log,
                                        env={**os.environ, "HoopGate__Upstream__Password": PASSWORD})
        wait_port(self.port, 60)

    def sample_rss(self):
        while self.sampling:
            try:
                self.rss.append((time.time(), rss_kb(self.gateway.pid)))
            except OSError:
                pass
            time.sleep(1)

    def token(self, subject, ttl="1h"):
        return run([self.hoopgate, "dev-token", "--issuer", self.issuer, "--key-file", self.key, "--sub", subject,
                    "--groups", "chaos", "--ttl", ttl]).stdout.strip()

    def pgbench(self, token, seconds, clients=8, extra=()):
        """Runs pgbench -S through the gateway; returns (processed transactions, error lines)."""
        cmd = ["pgbench", "-n", "-S", "-M", "simple", "-c", str(clients), "-j", "2", "-T", str(seconds), *extra,
               "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "bench"]
        p = subprocess.run(cmd, env={**os.environ, "PGPASSWORD": token}, capture_output=True, text=True, timeout=seconds + 120)
        m = re.search(r"number of transactions actually processed: (\d+)", p.stdout)
        errors = [line for line in p.stderr.splitlines() if "error" in line.lower() or "fatal" in line.lower() or "abort" in line.lower()]
        return (int(m.group(1)) if m else 0), errors

    def under_load(self, token, seconds, fault_after, fault):
        """pgbench for <seconds>, with <fault>() run <fault_after> seconds in; returns (processed, error lines)."""
        result = {}
        worker = threading.Thread(target=lambda: result.update(zip(("processed", "errors"), self.pgbench(token, seconds))))
        worker.start()
        time.sleep(fault_after)
        outcome = fault()
        worker.join()
        return result["processed"], result["errors"], outcome

    def backlog(self):
        try:
            text = run(["curl", "-s", "--max-time", "5", f"http://127.0.0.1:{self.admin_port}/metrics"], check=False).stdout
            m = re.search(r"^hoopgate_audit_backlog_records (\d+)", text, re.M)
            return int(m.group(1)) if m else None
        except Exception:  # noqa: BLE001 - the gateway may be restarting
            return None

    def drain(self, timeout=300):
        """Waits until every spooled record is in the store."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.backlog() == 0:
                return True
            time.sleep(1)
        return False

    def count(self, subject):
        """Statements of a subject's sessions in the audit store: starts, completed, recorded twice."""
        row = self.audit.psql("hoopgate_audit", f"""
            WITH s AS (SELECT session_id FROM hoopgate_audit.records
                       WHERE kind = 'session_start' AND (record::jsonb -> 'data') ->> 'subject' = '{subject}'),
                 r AS (SELECT kind, session_id, (record::jsonb -> 'data') AS d FROM hoopgate_audit.records
                       WHERE session_id IN (SELECT session_id FROM s))
            SELECT (SELECT count(*) FROM s),
                   count(*) FILTER (WHERE kind = 'statement_start'),
                   count(*) FILTER (WHERE kind = 'statement_finish' AND d ->> 'outcome' = 'completed'),
                   (count(*) FILTER (WHERE kind = 'statement_start'))
                     - count(DISTINCT (session_id, d ->> 'statement')) FILTER (WHERE kind = 'statement_start'),
                   (count(*) FILTER (WHERE kind = 'statement_finish'))
                     - count(DISTINCT (session_id, d ->> 'statement')) FILTER (WHERE kind = 'statement_finish')
            FROM r""")
        sessions, starts, completed, twice_started, twice_finished = (int(x) for x in row.split("|"))
        return {"sessions": sessions, "starts": starts, "completed": completed, "recorded_twice": twice_started + twice_finished}

    def verdict(self, name, processed, errors, subject, extra=None):
        drained = self.drain()
        counts = self.count(subject)
        ok = drained and counts["starts"] >= processed and counts["recorded_twice"] == 0
        result = {"scenario": name, "processed": processed, **counts, "missing": max(0, processed - counts["starts"]),
                  "drained": drained, "client_errors": summarize(errors), "ok": ok, **(extra or {})}
        print(json.dumps(result), flush=True)
        return result

    def close(self, keep_log=None):
        self.sampling = False
        for p in (self.gateway, self.issuer_process):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.upstream.stop("immediate")
        self.audit.stop("immediate")
        if keep_log:
            shutil.copy(os.path.join(self.dir, "gateway.log"), keep_log)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ scenarios
    def kill9(self):
        """The gateway is killed with SIGKILL mid-load and started again on the same spool."""
        subject = "chaos-kill9"
        token = self.token(subject)

        def kill():
            self.gateway.send_signal(signal.SIGKILL)
            self.gateway.wait()

        processed, errors, _ = self.under_load(token, 20, 8, kill)
        self.start_gateway()
        after, after_errors = self.pgbench(token, 5)
        return self.verdict("kill9", processed + after, errors + after_errors, subject, {"processed_after_restart": after})

    def audit_outage(self):
        """The audit store is stopped for 30 s under load, then started again: the spool carries the records."""
        subject = "chaos-audit-outage"
        token = self.token(subject)

        def outage():
            self.audit.stop("fast")
            time.sleep(30)
            waiting = self.backlog()
            self.audit.start()
            return waiting

        processed, errors, waiting = self.under_load(token, 45, 5, outage)
        return self.verdict("audit-outage", processed, errors, subject, {"backlog_when_store_returned": waiting})

    def upstream_restart(self):
        """The upstream PostgreSQL restarts under load; clients reconnect afterwards."""
        subject = "chaos-upstream-restart"
        token = self.token(subject)
        processed, errors, _ = self.under_load(token, 15, 5, self.upstream.restart)
        after, after_errors = self.pgbench(token, 5)
        return self.verdict("upstream-restart", processed + after, errors + after_errors, subject, {"processed_after_restart": after})

    def slow_reader(self):
        """A client reads a large result one byte a second: the gateway must not buffer the result."""
        subject = "chaos-slow-reader"
        token = self.token(subject)
        before = rss_kb(self.gateway.pid)
        s = open_session(self.port, USER, token)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sql = b"SELECT g, repeat('x', 1000) FROM generate_series(1, 200000) g\0"
        s.sendall(b"Q" + struct.pack("!i", 4 + len(sql)) + sql)
        peak = before
        for _ in range(30):
            s.recv(1)
            peak = max(peak, rss_kb(self.gateway.pid))
            time.sleep(1)
        s.close()
        # Other sessions were served meanwhile? One more pgbench run says so.
        processed, errors = self.pgbench(token, 3, clients=2)
        return self.verdict("slow-reader", processed, errors, subject,
                            {"rss_before_mb": round(before / 1024), "rss_peak_mb": round(peak / 1024), "result_mb": 200})

    def connection_storm(self):
        """2,000 clients connect at once (the gateway allows 1,000): the rest get 53300, nothing else breaks."""
        subject = "chaos-connection-storm"
        token = self.token(subject)
        outcomes = {}
        sockets = []
        lock = threading.Lock()

        def connect(_):
            try:
                s = open_session(self.port, USER, token, timeout=60)
                with lock:
                    sockets.append(s)
                return "connected"
            except SessionRefused as e:
                return "refused " + e.sqlstate
            except (OSError, SystemExit) as e:  # bench's client ends a read of a closed connection with SystemExit
                return "socket " + type(e).__name__

        start = time.time()
        with ThreadPoolExecutor(max_workers=400) as pool:
            for outcome in pool.map(connect, range(2000)):
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        elapsed = time.time() - start
        peak = rss_kb(self.gateway.pid)
        for s in sockets:
            s.close()
        time.sleep(2)
        processed, errors = self.pgbench(token, 3, clients=2)
        return self.verdict("connection-storm", processed, errors, subject,
                            {"outcomes": outcomes, "seconds": round(elapsed, 1), "rss_peak_mb": round(peak / 1024)})

    def soak(self):
        """Mixed load for --soak-minutes: reads, masked reads, denied statements on new connections; RSS, threads and
        file handles sampled every 10 s must stay flat."""
        subject = "chaos-soak"
        token = self.token(subject, ttl="4h")
        seconds = int(self.soak_minutes * 60)
        masked = os.path.join(self.dir, "masked.sql")
        with open(masked, "w") as f:
            f.write("SELECT id, ssn FROM patients ORDER BY id LIMIT 20;\n")
        samples, denied = [], {"refused": 0, "other": 0}
        stop = time.time() + seconds

        def sample():
            while time.time() < stop:
                pid = self.gateway.pid
                with open(f"/proc/{pid}/status") as status:
                    threads = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
                samples.append((round(time.time() - (stop - seconds)), rss_kb(pid), threads, len(os.listdir(f"/proc/{pid}/fd"))))
                time.sleep(10)

        def deny():
            while time.time() < stop:
                try:
                    s = open_session(self.port, USER, token)
                    sql = b"DELETE FROM pgbench_accounts\0"
                    s.sendall(b"Q" + struct.pack("!i", 4 + len(sql)) + sql)
                    kind, body = read_msg(s)
                    denied["refused" if kind == b"E" and b"C42501" in body else "other"] += 1
                    s.sendall(b"X\0\0\0\4")
                    s.close()
                except (OSError, SystemExit):  # SessionRefused included
                    denied["other"] += 1
                time.sleep(0.2)

        threads = [threading.Thread(target=sample), threading.Thread(target=deny)]
        for t in threads:
            t.start()
        results = {}
        masked_run = threading.Thread(target=lambda: results.update(masked=self.pgbench(token, seconds, clients=2, extra=("-f", masked))))
        masked_run.start()
        reads, read_errors = self.pgbench(token, seconds, clients=4)
        masked_run.join()
        for t in threads:
            t.join()
        processed = reads + results["masked"][0]
        settled = [x for x in samples if x[0] >= 300] or samples
        first, last = settled[0], settled[-1]
        extra = {"minutes": self.soak_minutes, "denied": denied, "samples": len(samples),
                 "rss_mb_after_5_min": round(first[1] / 1024), "rss_mb_end": round(last[1] / 1024),
                 "rss_mb_max": round(max(x[1] for x in samples) / 1024),
                 "threads_after_5_min": first[2], "threads_end": last[2], "threads_max": max(x[2] for x in samples),
                 "fds_after_5_min": first[3], "fds_end": last[3], "fds_max": max(x[3] for x in samples)}
        with open(os.path.join(self.dir, "..", f"hoopgate-soak-{os.getpid()}.csv"), "w") as f:
            f.write("seconds,rss_kb,threads,fds\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in samples))
        return self.verdict("soak", processed, read_errors + results["masked"][1], subject, extra)

    def token_expiry(self):
        """Tokens expire mid-load: each session ends (28P01) when its token does; nothing is lost or doubled."""
        subject = "chaos-token-expiry"
        token = self.token(subject, ttl="10s")
        processed, errors = self.pgbench(token, 20)
        return self.verdict("token-expiry", processed, errors, subject)


def summarize(errors):
    """Client error lines by kind (numbers folded), counted."""
    kinds = {}
    for line in errors:
        m = re.search(r"(FATAL|ERROR):\s+(.*)", line)
        key = (m.group(1) + ": " + m.group(2)[:90]) if m else re.sub(r"\d+", "N", line)[-90:]
        kinds[key] = kinds.get(key, 0) + 1
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hoopgate", required=True)
    ap.add_argument("--scenarios", default="kill9,audit-outage,upstream-restart,slow-reader,connection-storm,token-expiry")
    ap.add_argument("--output", help="write the results (JSON lines) here as well")
    ap.add_argument("--gateway-log", help="keep the gateway's log here")
    ap.add_argument("--soak-minutes", type=float, default=30, help="how long the soak scenario runs")
    args = ap.parse_args()
    chaos = Chaos(args.hoopgate)
    chaos.soak_minutes = args.soak_minutes
    results = []
    try:
        for name in args.scenarios.split(","):
            results.append(getattr(chaos, name.replace("-", "_"))())
        rss = [kb for _, kb in chaos.rss]
        summary = {"rss_samples": len(rss), "rss_min_mb": round(min(rss) / 1024), "rss_median_mb": round(statistics.median(rss) / 1024),
                   "rss_max_mb": round(max(rss) / 1024)}
        print(json.dumps(summary), flush=True)
    finally:
        chaos.close(args.gateway_log)
    if args.output:
        with open(args.output, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
            f.write(json.dumps(summary) + "\n")
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
