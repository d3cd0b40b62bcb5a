#!/usr/bin/env python3
"""Turns a PostgreSQL 15 log written with log_statement=all into corpus
entries (see ../README.md).

Usage: fromlog.py LOG OFFSET CLIENT OIDMAP > corpus.sql

Only the log after byte OFFSET is read. A statement "SELECT 'capture: X'"
names the entries after it "CLIENT X #n"; statements before the first
marker are skipped (connection set-up the client always sends is captured
by a marker the capture program sends first). OIDMAP is a file of
"oid name" lines; quoted or bare occurrences of those oids become
{{oid:name}}.
"""
import re
import sys

path, offset, client, oidmap = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(path, 'rb') as f:
    f.seek(offset)
    text = f.read().decode()

oids = {}
for line in open(oidmap):
    if line.strip():
        o, n = line.split(None, 1)
        oids[o] = n.strip()

head = re.compile(r'^\S+ \S+ \S+ \[\d+\] (LOG|DETAIL|ERROR|STATEMENT|WARNING|NOTICE|HINT):  (.*)$')
records = []  # (kind, text)
for line in text.split('\n'):
    m = head.match(line)
    if m:
        records.append([m.group(1), m.group(2)])
    elif line.startswith('\t') and records:
        records[-1][1] += '\n' + line[1:]

def subst(sql):
    for o, n in oids.items():
        sql = re.sub(r"(?<![0-9])%s(?![0-9])" % o, '{{oid:%s}}' % n, sql)
    return sql

name, n = None, 0
out = []
seen = set()
for i, (kind, msg) in enumerate(records):
    if kind != 'LOG':
        continue
    m = re.match(r'^(?:statement|execute [^:]*): (.*)$', msg, re.S)
    if not m:
        continue
    sql = m.group(1).strip()
    mk = re.match(r"^SELECT 'capture: (.*)'$", sql)
    if mk:
        name, n = mk.group(1), 0
        continue
    if name is None:
        continue
    if re.match(r'^(BEGIN|COMMIT|ROLLBACK|SET |SHOW |select pg_catalog.version|select current_schema|show )', sql, re.I):
        continue
    params = ''
    if i + 1 < len(records) and records[i + 1][0] == 'DETAIL' and records[i + 1][1].startswith('parameters: '):
        params = records[i + 1][1][len('parameters: '):]
    if name == 'end':
        break
    # Drivers repeat a lookup with other parameters (one per type):
    # keep one of each statement text per capture name.
    key = (name, sql)
    if key in seen:
        continue
    seen.add(key)
    n += 1
    out.append('-- name: %s %s #%d\n' % (client, name, n))
    if params:
        out.append('-- params: %s\n' % subst(params))
    out.append(subst(sql).rstrip(';') + ';\n\n')
sys.stdout.write(''.join(out))
