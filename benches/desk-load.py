#!/usr/bin/env python3
"""Load on the review desk: N reviewers deciding for T seconds against a local server.

Makes a data directory from generated submissions (ykien gen, analyze --data-dir), adds N
reviewer accounts, starts `ykien serve` on a free loopback port, and runs N threads that
each log in, then loop: open the queue, open a pending submission, accept its suggestion.
Prints requests per second, p50/p99 latency per page, every error, and checks that each
acknowledged decision (a 303 after the POST) is in the database's audit.

    python3 benches/desk-load.py [--reviewers 20] [--seconds 60] [--submissions 20000]

Run from the project root after `cargo build --release`. Only loopback is contacted.
"""
import argparse, http.cookiejar, os, random, re, socket, sqlite3, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.parse, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--reviewers", type=int, default=20)
ap.add_argument("--seconds", type=float, default=60)
ap.add_argument("--submissions", type=int, default=20000)
ap.add_argument("--ykien", default="target/release/ykien")
args = ap.parse_args()
Y = os.path.abspath(args.ykien)
work = tempfile.mkdtemp(prefix="desk-load-")
data = os.path.join(work, "data")

def run(*a, stdin=None):
    subprocess.run([Y, *a], check=True, input=stdin, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

run("gen", "--n", str(args.submissions), "--seed", "7", "--out", os.path.join(work, "y.csv"))
run("analyze", os.path.join(work, "y.csv"), "--out", os.path.join(work, "out"), "--k", "12", "--data-dir", data)
for i in range(args.reviewers):
    run("user", "add", f"r{i}", "--role", "reviewer", "--data-dir", data, stdin="mat-khau-dai-cua-toi\n")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
server = subprocess.Popen([Y, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", data],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
base = f"http://127.0.0.1:{port}"
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/login", timeout=1); break
    except Exception:
        time.sleep(0.1)

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None

lock = threading.Lock()
lat = {}          # page -> [ms]
errors = []       # (page, status, body excerpt)
acked = []        # (id, reviewer)

def timed(page, opener, url, data=None):
    t = time.perf_counter()
    try:
        r = opener.open(url, data=urllib.parse.urlencode(data).encode() if data else None, timeout=30)
        status, body = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode("utf-8", "replace")
    ms = (time.perf_counter() - t) * 1000
    with lock:
        lat.setdefault(page, []).append(ms)
        if status >= 500 or status in (400, 403, 404, 429):
            errors.append((page, status, re.sub(r"\s+", " ", body)[-200:]))
    return status, body

def csrf(body):
    m = re.search(r'name="csrf" value="([^"]+)"', body)
    return m.group(1) if m else ""

def reviewer(i, until):
    jar = http.cookiejar.CookieJar()
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    _, page = timed("GET /login", o, base + "/login")
    st, _ = timed("POST /login", o, base + "/login", {"name": f"r{i}", "password": "mat-khau-dai-cua-toi", "csrf": csrf(page)})
    if st != 303:
        return
    rng = random.Random(i)
    while time.time() < until:
        _, q = timed("GET /", o, base + f"/?page={rng.randrange(5)}")
        ids = re.findall(r'href="/s/([^"]+)"', q)
        if not ids:
            continue
        sid = urllib.parse.unquote(rng.choice(ids))
        _, item = timed("GET /s/{id}", o, base + "/s/" + urllib.parse.quote(sid))
        v = re.search(r'name="version" value="(\d+)"', item)
        st, _ = timed("POST /s/{id}", o, base + "/s/" + urllib.parse.quote(sid),
                      {"csrf": csrf(item), "version": v.group(1) if v else "0", "action": "accept", "note": ""})
        if st == 303:
            with lock:
                acked.append((sid, f"r{i}"))

t0 = time.time()
threads = [threading.Thread(target=reviewer, args=(i, t0 + args.seconds)) for i in range(args.reviewers)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.time() - t0
server.terminate(); server.wait()

db = sqlite3.connect(os.path.join(data, "review.db"))
audited = set(db.execute("SELECT submission_id, user_name FROM audit WHERE action = 'accept'").fetchall())
missing = [a for a in acked if a not in audited]
total = sum(len(v) for v in lat.values())
print(f"{args.reviewers} reviewers, {wall:.0f} s, {args.submissions} submissions: {total} requests, {total / wall:.0f} requests/s")
print(f"{'page':<16} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}")
for page, v in sorted(lat.items()):
    v = sorted(v)
    print(f"{page:<16} {len(v):>9} {v[len(v) // 2]:>8.1f} {v[min(len(v) - 1, int(len(v) * 0.99))]:>8.1f}")
print(f"errors (4xx but 409, 5xx): {len(errors)}")
for e in errors[:10]:
    print("  ", e)
print(f"acknowledged decisions: {len(acked)}; in the audit: {len(acked) - len(missing)}; lost: {len(missing)}")
sys.exit(1 if errors or missing else 0)
