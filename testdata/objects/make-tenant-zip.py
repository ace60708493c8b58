#!/usr/bin/env python3
"""Rebuild the binary test files of testdata/objects, deterministically.

    python3 testdata/objects/make-tenant-zip.py

writes
  tenant/welcome.wav, tenant/hold-music.wav   the two prompts: G.711 mu-law,
                                               8000 Hz, 8-bit, mono (format tag 7)
  pcm-16k.wav                                  NOT a prompt: PCM, 16000 Hz,
                                               16-bit, stereo (format tag 1)
  tenant.zip                                   tenant/*.csv (but agents.csv) and
                                               the prompts under prompts/, in the
                                               shuffled order of ZIP_ORDER

The samples are integer triangle waves (no floating point), every ZIP entry
has the same fixed timestamp and attributes, and the entry order is fixed,
so two runs give byte-identical files. The CSV entries are deflated (level
9): a different zlib could pack them differently, the unpacked bytes are the
same; the WAVs are stored.
"""
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TENANT = os.path.join(HERE, "tenant")

# Deliberately NOT the dependency order (Worktype, Multimedia Profile, Site,
# ... User): the importer must sort a ZIP's CSVs itself. agents.csv stays out
# (agents are another kind, imported before).
ZIP_ORDER = [
    "User.csv",
    "Queue.csv",
    "prompts/hold-music.wav",
    "AgentProfile.csv",
    "DNtoEPMapping.csv",
    "Site.csv",
    "AudioFiles.csv",
    "Team.csv",
    "OutdialANI.csv",
    "SkillProfile.csv",
    "EntryPoint.csv",
    "prompts/welcome.wav",
    "MultimediaProfile.csv",
    "UserProfile.csv",
    "AuxiliaryCode.csv",
    "OutdialQueue.csv",
    "AddressBook.csv",
    "SkillDefinition.csv",
    "OutdialEntryPoint.csv",
    "Worktype.csv",
]

ZIP_TIME = (2024, 1, 2, 3, 4, 6)  # even seconds: DOS time has 2 s resolution


def ulaw(sample):
    """G.711 mu-law encode one signed 16-bit sample (the classic Sun/CCITT
    reference algorithm)."""
    BIAS, CLIP = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, CLIP) + BIAS
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not (sample & mask):
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa)) & 0xFF


def triangle(i, period, amp):
    """An integer triangle wave: i-th sample, period in samples."""
    p = i % period
    half = period // 2
    v = p if p < half else period - p  # 0..half..0
    return (4 * amp * v) // period - amp  # -amp..amp


def riff(chunks):
    body = b"WAVE" + b"".join(cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
                              for cid, data in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ulaw_wav(samples, fact):
    # fmt chunk of 18 bytes: tag 7 (mu-law), 1 channel, 8000 Hz, 8000 bytes/s,
    # block align 1, 8 bits, cbSize 0.
    fmt = struct.pack("<HHIIHHH", 7, 1, 8000, 8000, 1, 8, 0)
    data = bytes(ulaw(s) for s in samples)
    chunks = [(b"fmt ", fmt)]
    if fact:  # optional for mu-law; one prompt has it, the other not
        chunks.append((b"fact", struct.pack("<I", len(data))))
    chunks.append((b"data", data))
    return riff(chunks)


def pcm_wav():
    # PCM (tag 1), 2 channels, 16000 Hz, 64000 bytes/s, block align 4, 16 bits.
    fmt = struct.pack("<HHIIHH", 1, 2, 16000, 64000, 4, 16)
    frames = b"".join(struct.pack("<hh", triangle(i, 40, 8000), triangle(i, 64, 6000)) for i in range(250))
    return riff([(b"fmt ", fmt), (b"data", frames)])  # 1,000 bytes of data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    # welcome.wav: 800 samples (0.1 s) of a 400 Hz tone, with a fact chunk.
    welcome = [triangle(i, 20, 12000) for i in range(800)]
    # hold-music.wav: 800 samples, two notes (500 Hz then 250 Hz), no fact chunk.
    hold = [triangle(i, 16, 9000) if i < 400 else triangle(i, 32, 9000) for i in range(800)]
    write(os.path.join(TENANT, "welcome.wav"), ulaw_wav(welcome, fact=True))
    write(os.path.join(TENANT, "hold-music.wav"), ulaw_wav(hold, fact=False))
    write(os.path.join(HERE, "pcm-16k.wav"), pcm_wav())

    zpath = os.path.join(HERE, "tenant.zip")
    with zipfile.ZipFile(zpath, "w") as z:
        for name in ZIP_ORDER:
            with open(os.path.join(TENANT, os.path.basename(name)), "rb") as f:
                data = f.read()
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.create_system = 3  # Unix
            zi.external_attr = 0o100644 << 16
            if name.endswith(".wav"):
                zi.compress_type = zipfile.ZIP_STORED
                z.writestr(zi, data)
            else:
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, data, compresslevel=9)
    print("wrote", zpath)


if __name__ == "__main__":
    main()
