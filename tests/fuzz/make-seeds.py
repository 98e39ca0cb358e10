#!/usr/bin/env python3
"""Turns recorded sessions (NAME.c2s / NAME.s2c pairs from capture.sh) into seeds for each fuzz target's input format
(see tests/fuzz/HoopGate.Fuzz/FuzzTargets.cs):
  startup/NAME    [segment size byte] + everything the client sent
  session/NAME    the session after its greeting as [direction][length:2][bytes] records, client batches and the
                  server's answers in turn (a batch ends at Sync, Query, CopyDone or CopyFail; an answer at
                  ReadyForQuery or a Copy*Response)
  rewriters/N     [statement selector N][segment size] + the server's answer to rewriters-N's one statement
  sql/NAME-K      the SQL of each Query and Parse the client sent
usage: make-seeds.py CAPTURE_DIR CORPUS_DIR"""
import os, struct, sys

def messages(data, startup):
    pos = 0
    if startup:
        length = struct.unpack(">i", data[:4])[0]
        yield None, data[:length]
        pos = length
    while pos + 5 <= len(data):
        length = struct.unpack(">i", data[pos + 1:pos + 5])[0]
        yield chr(data[pos]), data[pos:pos + 1 + length]
        pos += 1 + length

def write(directory, name, payload):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(payload)

def main(captures, corpus):
    statements = set()
    names = sorted({f.rsplit(".", 1)[0] for f in os.listdir(captures) if f.endswith(".c2s")})
    for name in names:
        c2s = open(os.path.join(captures, name + ".c2s"), "rb").read()
        s2c = open(os.path.join(captures, name + ".s2c"), "rb").read()
        if not c2s or not s2c:
            sys.exit(f"{name}: nothing was recorded")
        write(os.path.join(corpus, "startup"), name, bytes([7]) + c2s)

        # Several connections (pgbench checks the server first): the last one, which starts after the last Terminate
        # and at the last AuthenticationOk.
        terminate = c2s.rfind(b"X\0\0\0\4", 0, len(c2s) - 5)
        if terminate >= 0:
            c2s = c2s[terminate + 5:]
            s2c = s2c[s2c.rfind(b"R\0\0\0\x08\0\0\0\0"):]
        # An SSLRequest or GSSENCRequest answered with one byte ('N': not offered) comes before the startup packet.
        while len(c2s) >= 8 and struct.unpack(">ii", c2s[:8]) in ((8, 80877103), (8, 80877104)):
            c2s, s2c = c2s[8:], s2c[1:]
        frontend = list(messages(c2s, startup=True))[1:]
        backend = list(messages(s2c, startup=False))
        greeting = next(i for i, (code, _) in enumerate(backend) if code == "Z") + 1
        answers = backend[greeting:]
        if name.startswith("rewriters-"):
            write(os.path.join(corpus, "rewriters"), name, bytes([int(name[-1]), 17]) + b"".join(m for _, m in answers))
            continue

        records = bytearray()
        def record(direction, chunk):
            while chunk:
                part, chunk = chunk[:65535], chunk[65535:]
                records.extend(bytes([direction]) + struct.pack(">H", len(part)) + part)
        batch = bytearray()
        for code, message in frontend:
            batch.extend(message)
            if code in ("S", "Q", "c", "f", "X"):
                record(0, bytes(batch))
                batch.clear()
                answer = bytearray()
                while answers:
                    code2, message2 = answers.pop(0)
                    answer.extend(message2)
                    if code2 in ("Z", "G", "H"):
                        break
                record(1, bytes(answer))
        if batch:
            record(0, bytes(batch))
        write(os.path.join(corpus, "session"), name, bytes(records))

        for k, (code, message) in enumerate(frontend):
            if code == "Q":
                sql = message[5:].split(b"\0")[0]
            elif code == "P":
                sql = message[5:].split(b"\0")[1]
            else:
                continue
            if sql and sql not in statements:
                statements.add(sql)
                write(os.path.join(corpus, "sql"), f"{name}-{k}", sql)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
