"""Independent reader of Specula recordings, written from the MCAP spec and docs/record.md only
(no `mcap` package here): walks the records, checks chunk CRCs, decodes frames with the numpy header
dtype given in the docs, prints JSON per channel: frame count, seqs and a checksum of the samples."""
import json, struct, sys, zlib
import numpy as np

HEADER = np.dtype([('magic', '<u4'), ('version', '<u2'), ('header_bytes', '<u2'), ('channel', '<u4'),
                   ('flags', '<u4'), ('seq', '<u8'), ('t_acquired_ns', '<u8'), ('t_ring_write_ns', '<u8'),
                   ('lines', '<u4'), ('samples', '<u4'), ('dtype', '<u2'), ('reserved0', '<u2'),
                   ('payload_bytes', '<u4'), ('reserved1', '<u8')])
SAMPLE = {1: '<u1', 2: '<u2', 3: '<f4', 4: '<f8'}
assert HEADER.itemsize == 64

data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89MCAP0\r\n' and data[-8:] == b'\x89MCAP0\r\n'
topics, out, meta = {}, {}, {}

def string(b, p):
    n = struct.unpack_from('<I', b, p)[0]
    return b[p + 4:p + 4 + n].decode(), p + 4 + n

def records(b, p, end):
    while p < end:
        op, ln = struct.unpack_from('<BQ', b, p)
        yield op, b[p + 9:p + 9 + ln]
        p += 9 + ln

for op, body in records(data, 8, len(data) - 8):
    if op == 0x04:  # channel
        cid, _sid = struct.unpack_from('<HH', body, 0)
        topic, _ = string(body, 4)
        topics[cid] = topic
    elif op == 0x0C:  # metadata
        name, _ = string(body, 0)
        meta[name] = True
    elif op == 0x06:  # chunk
        t0, t1, usize, crc = struct.unpack_from('<QQQI', body, 0)
        comp, p = string(body, 28)
        assert comp == '', 'this checker reads uncompressed chunks only'
        n = struct.unpack_from('<Q', body, p)[0]
        recs = body[p + 8:p + 8 + n]
        assert len(recs) == usize and zlib.crc32(recs) == crc, 'chunk CRC'
        for rop, rb in records(recs, 0, len(recs)):
            if rop != 0x05:
                continue
            cid, seq, log_time, pub_time = struct.unpack_from('<HIQQ', rb, 0)
            msg = rb[22:]
            h = np.frombuffer(msg, dtype=HEADER, count=1)[0]
            img = np.frombuffer(msg, dtype=SAMPLE[int(h['dtype'])], offset=64).reshape(int(h['lines']), int(h['samples']))
            o = out.setdefault(topics[cid], {'frames': 0, 'seqs': [], 'sum': 0, 'shape': list(img.shape)})
            o['frames'] += 1
            o['seqs'].append(int(h['seq']))
            o['sum'] = (o['sum'] + int(img.astype(np.uint64).sum())) % (1 << 53)
    elif op == 0x0F:  # data end
        break
print(json.dumps({'channels': out, 'metadata': sorted(meta)}))
