#!/usr/bin/env python3
"""The scraper and checker of the Prometheus metrics of `quarantine run
--metrics`, for tests/e2e/quarantine_metrics.sh (it lives here, beside
e2e.sh, because scripts/run-tests.sh runs every tests/e2e/*.sh as a test).
Usage: python3 tests/common/prom.py COMMAND ARGS...

  scrape PORT OUT        GET /metrics: status 200, the 0.0.4 content type, a
                         body that passes check(); the body is written to OUT
  value FILE NAME [L=V]  the sum of the samples NAME whose labels include L=V
  mono A B               every counter and histogram sample of scrape A is in
                         scrape B with a value at least as large
  summary FILE OUT       the scrape FILE equals the run's summary (stdout OUT)
  bad PORT               bad requests get their 4xx, HEAD gets no body, more
                         than 16 clients get 503, a silent client 408, and a
                         scrape beside a silent client is answered at once
  storm PORT K N         K clients at once scrape N times each: every answer
                         is a 200 that passes check(), and the server's own
                         count of 200s grew by exactly K*N (and the scrape
                         that read it before)
Exit status 0 when the check holds, else 1 with "FAIL: reason" on stdout.
"""
import re
import socket
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
SAMPLE = re.compile(r'^(' + NAME + r')(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')
# the series issue 11 item 2 asks for, with their types
REQUIRED = {
    'quarantine_received_total': 'counter', 'quarantine_cleared_total': 'counter',
    'quarantine_rejected_total': 'counter', 'quarantine_held_orphans': 'gauge',
    'quarantine_pending_attestations': 'gauge', 'quarantine_input_queue_depth': 'gauge',
    'quarantine_peers_connected': 'gauge', 'quarantine_peers_closed_total': 'counter',
    'quarantine_verdict_latency_seconds': 'histogram', 'quarantine_verification_seconds': 'histogram',
    'quarantine_store_commit_seconds': 'histogram',
}


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def labels_of(s):
    """The label pairs of a sample's {...}, the whole text consumed."""
    if s is None or s == '':
        return ()
    pairs, pos = [], 0
    while True:
        m = LABEL.match(s, pos)
        if not m:
            fail('bad labels: {%s}' % s)
        pairs.append((m.group(1), m.group(2)))
        pos = m.end()
        if pos == len(s):
            return tuple(pairs)
        if s[pos] != ',':
            fail('bad labels: {%s}' % s)
        pos += 1


def check(text):
    """Checks the exposition text (format 0.0.4) strictly, then with the
    prometheus_client parser. Returns (types, samples): samples maps
    (name, labels) to the value."""
    if not text.endswith('\n'):
        fail('the exposition does not end with a newline')
    helps, types, samples = set(), {}, {}
    for ln in text[:-1].split('\n'):
        if ln.startswith('# HELP '):
            name = ln.split(' ')[2]
            if name in helps or len(ln.split(' ', 3)) < 4:
                fail('HELP twice or empty: ' + ln)
            helps.add(name)
            continue
        if ln.startswith('# TYPE '):
            parts = ln.split(' ')
            if len(parts) != 4 or parts[3] not in ('counter', 'gauge', 'histogram') or parts[2] in types:
                fail('bad TYPE line: ' + ln)
            if parts[2] not in helps:
                fail('TYPE before HELP: ' + ln)
            types[parts[2]] = parts[3]
            continue
        if ln.startswith('#') or ln == '':
            fail('a line that is neither HELP, TYPE nor a sample: %r' % ln)
        m = SAMPLE.match(ln)
        if not m:
            fail('not a sample line: %r' % ln)
        name, labels, value = m.group(1), labels_of(m.group(2)), m.group(3)
        fam = name
        if name not in types:
            base = re.sub(r'_(bucket|sum|count)$', '', name)
            if types.get(base) != 'histogram':
                fail('a sample before its TYPE: ' + ln)
            fam = base
        if types[fam] == 'counter' and not name.endswith('_total'):
            fail('a counter without _total: ' + name)
        try:
            v = float(value)
        except ValueError:
            fail('not a number: ' + ln)
        if types[fam] in ('counter', 'histogram') and not v >= 0:
            fail('a negative counter: ' + ln)
        key = (name, labels)
        if key in samples:
            fail('a sample twice: ' + ln)
        samples[key] = v
    for fam, typ in types.items():
        if typ != 'histogram':
            continue
        buckets = sorted((float(dict(l)['le']), v) for (n, l), v in samples.items() if n == fam + '_bucket')
        if not buckets or buckets[-1][0] != float('inf'):
            fail(fam + ': no +Inf bucket')
        for (a, x), (b, y) in zip(buckets, buckets[1:]):
            if y < x:
                fail('%s: bucket le=%s holds %g, fewer than le=%s (%g)' % (fam, b, y, a, x))
        count = samples.get((fam + '_count', ()))
        if count != buckets[-1][1] or (fam + '_sum', ()) not in samples:
            fail(fam + ': _count is not the +Inf bucket, or no _sum')
    for name, typ in REQUIRED.items():
        if types.get(name) != typ:
            fail('no %s series %s' % (typ, name))
    parsed = {f.name: f.type for f in text_string_to_metric_families(text)}
    for name, typ in types.items():
        if parsed.get(re.sub(r'_total$', '', name)) != typ:
            fail('prometheus_client reads %s as %s, not %s' % (name, parsed.get(name), typ))
    return types, samples


def request(port, data, timeout=10):
    """Sends data on a fresh connection and reads the answer to its end."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    s.sendall(data)
    out = b''
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out


def split(resp):
    head, _, body = resp.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1]) if lines[0].startswith('HTTP/1.1 ') else 0
    hdrs = {k.lower(): v.strip() for k, _, v in (x.partition(':') for x in lines[1:])}
    return status, hdrs, body


def scrape(port):
    status, hdrs, body = split(request(port, b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'))
    if status != 200:
        fail('GET /metrics answered %d' % status)
    if hdrs.get('content-type') != 'text/plain; version=0.0.4; charset=utf-8':
        fail('content type %r' % hdrs.get('content-type'))
    if int(hdrs.get('content-length', -1)) != len(body):
        fail('content length %s for %d bytes' % (hdrs.get('content-length'), len(body)))
    text = body.decode('utf-8')
    check(text)
    return text


def load(path):
    return check(open(path).read())[1]


def total(samples, name, **want):
    return sum(v for (n, l), v in samples.items() if n == name and all(dict(l).get(k) == x for k, x in want.items()))


def cmd_summary(path, out):
    s = load(path)
    text = open(out).read()
    m = re.search(r'^  counters[^:]*:((?: \w+=\d+)+)$', text, re.M)
    if not m:
        fail('no counters line in the summary')
    c = {k: int(v) for k, v in (x.split('=') for x in m.group(1).split())}
    rj = 'quarantine_rejected_total'
    got = {
        'received': total(s, 'quarantine_received_total'), 'cleared': total(s, 'quarantine_cleared_total'),
        'rejected': total(s, rj, verdict='REJECT'), 'ignored': total(s, rj, verdict='IGNORE'),
        'slashable': total(s, rj, verdict='SLASHABLE'), 'evicted': total(s, rj, verdict='EVICTED'),
        'expired': total(s, rj, verdict='EXPIRED'), 'unviable': total(s, rj, verdict='UNVIABLE'),
        'held_at_end': total(s, rj, verdict='HELD_AT_END'),
        'orphan_evicted': total(s, rj, kind='block', verdict='EVICTED'),
        'pending_evicted': total(s, rj, kind='attestation', verdict='EVICTED'),
    }
    for k, v in c.items():
        if k not in got:
            fail('the summary counts %s, the metrics do not' % k)
        if got[k] != v:
            fail('%s: the metrics say %d, the summary %d' % (k, got[k], v))
    # by verdict and reason: each summary line is the sum over kinds, and every
    # series counted is in the summary
    lines = re.findall(r'^    (\w+) +(\w*) +(\d+)$', text, re.M)
    seen = set()
    for verdict, reason, n in lines:
        v = total(s, 'quarantine_cleared_total') if verdict == 'CLEARED' else total(s, rj, verdict=verdict, reason=reason)
        if v != int(n):
            fail('%s %s: the metrics say %d, the summary %s' % (verdict, reason, v, n))
        seen.add((verdict, reason))
    for (n, l), v in s.items():
        d = dict(l)
        if n == rj and v and (d['verdict'], d['reason']) not in seen:
            fail('the metrics count %s %s, the summary does not' % (d['verdict'], d['reason']))
    m = re.search(r'^  slashings reported: (\d+)$', text, re.M)
    if not m or int(m.group(1)) != total(s, 'quarantine_slashings_total'):
        fail('slashings: the metrics say %d' % total(s, 'quarantine_slashings_total'))
    m = re.search(r'latency: .* \((\d+) items\)$', text, re.M)
    lat = total(s, 'quarantine_verdict_latency_seconds_count')
    if not m or int(m.group(1)) != lat or lat != c['received']:
        fail('latency: %d observations, the summary %s, received %d' % (lat, m and m.group(1), c['received']))
    if total(s, 'quarantine_verification_seconds_count') != c['received']:
        fail('verification: %d observations for %d items' % (total(s, 'quarantine_verification_seconds_count'), c['received']))
    m = re.search(r'^  peers: (\d+) connected, (\d+) refused; closed: (\d+) ended, (\d+) hung_up, (\d+) malformed, '
                  r'(\d+) mismatched, (\d+) timed_out, (\d+) cut$', text, re.M)
    peers = [total(s, 'quarantine_peers_accepted_total'), total(s, 'quarantine_peers_refused_total')] + [
        total(s, 'quarantine_peers_closed_total', reason=r)
        for r in ('ended', 'hung_up', 'malformed', 'mismatched', 'timed_out', 'cut')]
    if m and [int(x) for x in m.groups()] != peers:
        fail('peers: the metrics say %s, the summary %s' % (peers, m.groups()))
    if not m and any(peers):
        fail('a file run with peers in its metrics: %s' % peers)
    print('the last scrape equals the summary: %s' % ' '.join('%s=%d' % kv for kv in c.items()))


def cmd_mono(a, b):
    ta, sa = check(open(a).read())
    sb = load(b)
    n = 0
    for (name, l), v in sa.items():
        fam = re.sub(r'_(bucket|sum|count)$', '', name) if name not in ta else name
        if ta[fam] == 'gauge':
            continue
        if (name, l) not in sb:
            fail('%s%s is gone from the later scrape' % (name, dict(l)))
        if sb[(name, l)] < v:
            fail('%s%s went down: %g, then %g' % (name, dict(l), v, sb[(name, l)]))
        n += 1
    grew = sum(1 for k, v in sa.items() if k in sb and sb[k] > v)
    print('%d counter and histogram samples, none went down, %d went up' % (n, grew))
    if not grew:
        fail('nothing went up between the two scrapes: they were not taken during the run')


def cmd_bad(port):
    cases = [
        (b'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc', 405),
        (b'GET /nope HTTP/1.1\r\n\r\n', 404),
        (b'GET /metricsx HTTP/1.0\r\n\r\n', 404),
        (b'garbage\r\n\r\n', 400),
        (b'GET /metrics HTTP/9\r\n\r\n', 400),
        (b'GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n', 400),
        (b'\x00\x01\x02 / HTTP/1.1\r\n\r\n', 400),
        (b'GET /metrics HTTP/1.1\r\nX: ' + b'a' * 9000 + b'\r\n\r\n', 431),
    ]
    for data, want in cases:
        status, hdrs, _ = split(request(port, data))
        if status != want:
            fail('%r... answered %d, not %d' % (data[:30], status, want))
        if want == 405 and hdrs.get('allow') != 'GET, HEAD':
            fail('405 without Allow: GET, HEAD')
    status, hdrs, body = split(request(port, b'HEAD /metrics HTTP/1.1\r\n\r\n'))
    if status != 200 or body or int(hdrs.get('content-length', 0)) == 0:
        fail('HEAD /metrics: %d, %d bytes of body, length %s' % (status, len(body), hdrs.get('content-length')))
    # a silent client holds up no scrape, and is answered 408 after 5 s
    silent = socket.create_connection(('127.0.0.1', port), timeout=20)
    t = time.time()
    scrape(port)
    if time.time() - t > 2:
        fail('a scrape beside a silent client took %.1f s' % (time.time() - t))
    # 16 clients at once at most: the 17th is answered 503; then all are served again
    time.sleep(0.3)  # the scrape's connection is gone
    more = [socket.create_connection(('127.0.0.1', port), timeout=20) for _ in range(15)]
    time.sleep(0.3)
    status, _, _ = split(request(port, b'GET /metrics HTTP/1.1\r\n\r\n'))
    if status != 503:
        fail('a 17th client answered %d, not 503' % status)
    for s in more:
        s.close()
    time.sleep(0.3)
    scrape(port)
    resp = b''
    while True:
        b = silent.recv(65536)
        if not b:
            break
        resp += b
    status, _, _ = split(resp)
    if status != 408:
        fail('the silent client answered %d, not 408' % status)
    silent.close()
    print('bad requests: 405, 404, 404, 400 x4, 431; HEAD without a body; a 17th client 503; a silent client 408 '
          'after %.1f s, a scrape beside it at once' % (time.time() - t))


def cmd_storm(port, k, n):
    import threading
    before = total(check(scrape(port))[1], 'quarantine_metrics_requests_total', code='200')
    errors = []

    def client():
        try:
            for _ in range(n):
                scrape(port)
        except SystemExit:
            errors.append('a scrape failed its check')
        except OSError as e:
            errors.append(str(e))

    t = time.time()
    threads = [threading.Thread(target=client) for _ in range(k)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        fail('storm: %s' % errors[0])
    after = total(check(scrape(port))[1], 'quarantine_metrics_requests_total', code='200')
    if after - before != k * n + 1:
        fail('storm: %d answers of 200 counted for %d scrapes' % (after - before, k * n + 1))
    print('%d clients x %d scrapes in %.1f s: every one a valid 200, all %d counted' % (k, n, time.time() - t, k * n))


def main():
    a = sys.argv[1:]
    if a[0] == 'scrape':
        open(a[2], 'w').write(scrape(int(a[1])))
    elif a[0] == 'value':
        want = dict(x.split('=', 1) for x in a[3:])
        print('%d' % total(load(a[1]), a[2], **want))
    elif a[0] == 'mono':
        cmd_mono(a[1], a[2])
    elif a[0] == 'summary':
        cmd_summary(a[1], a[2])
    elif a[0] == 'bad':
        cmd_bad(int(a[1]))
    elif a[0] == 'storm':
        cmd_storm(int(a[1]), int(a[2]), int(a[3]))
    else:
        fail('unknown command ' + a[0])


if __name__ == '__main__':
    main()
