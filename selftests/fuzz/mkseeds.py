#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Make the seed corpora corpus/<target>/ from the worked examples of
# Documentation/protocol.rst and the vectors (vectors-v1.json,
# selftests/cpns_vectors.json).  `make seeds` runs it; its output is
# checked in, so that a run needs neither file.
#
#   mkseeds.py protocol.rst vectors-v1.json [cpns_vectors.json]
import hashlib
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def doc_frames(path):
    """Every hex dump block of the document, in order."""
    frames, cur = [], None
    for line in open(path, encoding='utf-8'):
        m = re.match(r'^    ([0-9a-f]{4})  ((?:[0-9a-f]{2} ?)+)$', line)
        if not m:
            if cur is not None:
                frames.append(bytes(cur))
                cur = None
            continue
        if int(m.group(1), 16) == 0:
            if cur is not None:
                frames.append(bytes(cur))
            cur = bytearray()
        cur += bytes.fromhex(m.group(2).replace(' ', ''))
    if cur is not None:
        frames.append(bytes(cur))
    return frames


def put(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def lp(b):
    return struct.pack('>H', len(b)) + b


def cases(vectors):
    for name in ('main', 'edge'):
        if name in vectors:
            yield name, vectors[name]


def wire(frames):
    for k, f in enumerate(frames):
        put('fuzz_wire', 'frame%d' % k, b'\x00' + f)
        put('fuzz_wire', 'body%d' % k, b'\x01' + f[5:6] + f[12:])
        put('fuzz_wire', 'both%d' % k, b'\x03' + f)
    for t in range(1, 6):
        put('fuzz_wire', 'fields%d' % t, bytes([4, t]) + bytes([t * 7 % 64 + 1]) +
            bytes(range(40)) + b'\x1c\x00' + bytes(600))
    put('fuzz_wire', 'stream-all', b'\x02\x03' + b''.join(frames))
    put('fuzz_wire', 'stream-cut', b'\x02\x07' + frames[0] + frames[1][:20])
    put('fuzz_wire', 'stream-badver', b'\x02\x00' + frames[3][:4] + b'\x02' +
        frames[3][5:])


def ev_chunk(b, delay=0):
    return bytes([0, delay, len(b)]) + b


def wire_deadline(frames):
    t = 'fuzz_wire_deadline'
    for k, f in enumerate(frames):
        put(t, 'whole%d' % k, b'\x00' + ev_chunk(f))
    f = frames[0]
    put(t, 'pieces', b'\x01' + ev_chunk(f[:5], 10) + ev_chunk(f[5:12], 30) +
        b'\x01\x05' + ev_chunk(f[12:100], 20) + ev_chunk(f[100:], 5))
    put(t, 'late', b'\x00' + ev_chunk(f[:50], 90) + ev_chunk(f[50:], 20))
    put(t, 'close-mid', b'\x02' + ev_chunk(f[:30], 1) + b'\x02\x01')
    put(t, 'close-first', b'\x00\x02\x00')
    put(t, 'silent-mid', b'\x03' + ev_chunk(f[:12], 1))
    put(t, 'two', b'\x00' + ev_chunk(frames[3] + frames[7]))
    # limits: timeout 4 s, header 1 s; then also only REQUEST (1) taken
    put(t, 'hdr-late', b'\x07' + ev_chunk(f, 150))
    put(t, 'hdr-then-body', b'\x07' + ev_chunk(f[:12], 50) +
        ev_chunk(f[12:], 250))
    put(t, 'unexpected-type', b'\x27' + ev_chunk(frames[3][:12], 10))


def import_list(vectors):
    lines = []
    for name, c in cases(vectors):
        i = c['inputs']
        code = i['ClaimCode'] or 'CLAIM-EMPTY-0'
        lines.append('%s %s %s' % (i['EntityID'], i['TK'], code))
    text = '# EntityID TK ClaimCode\n' + '\n'.join(lines) + '\n'
    put('fuzz_import', 'list', text.encode())
    put('fuzz_import', 'list-crlf', text.replace('\n', '\r\n').encode())
    put('fuzz_import', 'list-noeol', ('\n'.join(lines)).encode())
    put('fuzz_import', 'list-bad',
        (lines[0] + '\n' + lines[0] + '\nx 00 short\n\t# c\n\n' +
         lines[-1] + ' extra\n').encode())


# fuzz_store: a row as typed values, see fuzz_store.c
def sval(kind, b=b''):
    if kind == 'null':
        return b'\x00'
    if kind == 'int':
        return b'\x01' + b
    if kind == 'text':
        return b'\x03' + lp(b)
    return b'\x04' + lp(b)


def store(vectors):
    for name, c in cases(vectors):
        i = c['inputs']
        ent = i['EntityID'].encode()
        rec = bytes.fromhex(c['ReqSealed'])
        chain = bytes.fromhex(c['RespSealed'])
        cid = bytes.fromhex(c['ChainID'])
        row = (sval('text', ent) + sval('blob', rec) +
               sval('text', i['UserID'].encode()) +
               sval('int', struct.pack('>q', i['E'])) +
               sval('blob', chain) + sval('blob', cid) +
               sval('int', struct.pack('>q', i['n'])) +
               sval('int', struct.pack('>q', i['T'])))
        put('fuzz_store', 'row-' + name, b'\x00' + row)
        put('fuzz_store', 'fresh-' + name, b'\x00' + row[:len(sval('text', ent)) +
                                                     len(sval('blob', rec))])
        put('fuzz_store', 'user-' + name, b'\x01' + sval('text', i['UserID'].encode()) +
            sval('blob', bytes.fromhex(c['FailResponse']['sealed'])))
        put('fuzz_store', 'chain-' + name, b'\x02' + lp(ent) + lp(rec) +
            struct.pack('>IH', i['E'], i['n']) + cid + lp(chain) +
            lp(i['UserID'].encode()) + lp(rec[::-1]))


def show(vectors):
    descs, proc = [], []
    serial = 1
    for name, c in cases(vectors):
        i = c['inputs']
        for d, meta in (('psk:' + i['GwID'], '32 bytes'),
                        ('tk:' + i['EntityID'], '%d bytes' % (len(i['TK']) // 2)),
                        ('master:store', '32 bytes'),
                        ('chain:' + i['EntityID'], 'E=%d n=%d delivered=0 id=%s' %
                         (i['E'], i['n'], c['ChainID'])),
                        ('euk:' + i['EntityID'], 'E=%d i=1 n=%d id=%s' %
                         (i['E'], i['n'], c['ChainID']))):
            descs.append('cpns;0;0;3f010000;' + d)
            proc.append('%08x I--Q---     1 perm 3f010000     0     0 cpns      %s: %s' %
                        (serial, d, meta))
            serial += 1
    descs.insert(2, 'keyring;0;0;3f3f0000;_uid.0')
    proc.insert(2, '%08x I--Q---     1 perm 3f3f0000     0     0 keyring   _uid.0: empty' % 99)
    data = '\0'.join(descs) + '\0' + '\n'.join(proc) + '\n'
    put('fuzz_show', 'keys', b'\x00' + data.encode())
    put('fuzz_show', 'one', b'\x00' + (descs[0] + '\0' + proc[0] + '\n').encode())


def kernel(vectors):
    for name, c in cases(vectors):
        put('fuzz_kreqbody', 'reqbody-' + name, bytes.fromhex(c['ReqBody']))
        put('fuzz_kbundle', 'bundle-' + name, bytes.fromhex(c['Bundle']))
        i = c['inputs']
        # fuzz_kkey: a sequence of operations, see fuzz_kkey.c
        ent = i['EntityID'].encode()
        for k, (d, v) in enumerate((('psk:' + i['GwID'], i['PSK1']),
                                    ('tk:' + i['EntityID'], i['TK']),
                                    ('master:store', i['PSK1']))):
            v = bytes.fromhex(v)
            put('fuzz_kkey', 'add%d-%s' % (k, name), b'\x00' + lp(d.encode()) +
                lp(v) + b'\x01\x00' + lp(v[::-1]) + b'\x05' + b'\x04\x00' +
                b'\x05\x08\x09\x00')
        top = bytes.fromhex(c['EUKey'][str(i['n'])])
        cid = bytes.fromhex(c['ChainID'])
        chain = (top + bytes.fromhex(c['KEK_E']) + cid +
                 struct.pack('<IHHH', i['E'], i['n'], 0, 0) + bytes(16))
        euk = bytes.fromhex(c['EUKey']['1']) + cid + struct.pack('<IHH', i['E'], 1, i['n'])
        put('fuzz_kkey', 'mint-chain-' + name, b'\x02\x03' + lp(ent) + b'\x03' +
            lp(chain) + b'\x05' + b'\x03\x03' + lp(ent) + b'\x01\x01' + lp(chain) +
            b'\x02\x03' + lp(ent) + b'\x03' + lp(chain) + b'\x08')
        put('fuzz_kkey', 'mint-euk-' + name, b'\x02\x04' + lp(ent) + b'\x04' +
            lp(euk) + b'\x03\x04' + lp(ent) + b'\x00\x00' + lp(b'') + b'\x05')
        put('fuzz_kkey', 'forge-' + name, b'\x00' + lp(b'chain:' + ent) + lp(chain) +
            b'\x06\x0d' + b'\x00' + lp(('psk:' + i['GwID']).encode()) +
            lp(bytes.fromhex(i['PSK1'])) + b'\x07\x02\x01')


def main():
    frames = doc_frames(sys.argv[1])
    vectors = json.load(open(sys.argv[2]))
    wire(frames)
    wire_deadline(frames)
    import_list(vectors)
    store(vectors)
    show(vectors)
    kernel(vectors)
    extra = vectors
    if len(sys.argv) > 3 and os.path.exists(sys.argv[3]):
        extra = json.load(open(sys.argv[3]))
    for src in (vectors, extra) if extra != vectors else (vectors,):
        lc = src.get('LongChain')
        if isinstance(lc, dict):
            n = int(lc['n'])
            b = struct.pack('>H', n) + bytes.fromhex(lc['EUKey_n']) + \
                struct.pack('>I', 1) + bytes(32)
            put('fuzz_kbundle', 'longchain-%d' % n, b + struct.pack('>H', n))
            put('fuzz_kbundle', 'longchain-%d-below' % n, b + struct.pack('>H', n - 3))
    print('%d frames from the document' % len(frames))


if __name__ == '__main__':
    main()
