#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ (committed; rerun only to change them).

Valid seeds come from independent writers where one exists (numpy's np.save for .npy, python's
json/struct for safetensors), so the fuzzers start from real files; invalid seeds start them
near each rejection path. Needs python3 + numpy, which only developers need, not the build.
"""
import io
import json
import struct

import numpy as np

from seed_io import put  # the script's own folder is on sys.path


def safetensors(entries, metadata=None, pad=True):
    """entries: list of (name, dtype, shape, raw bytes), laid out in order."""
    header, data, off = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def npy(a, version=None):
    b = io.BytesIO()
    if version:
        np.lib.format.write_array(b, a, version=version)
    else:
        np.save(b, a)
    return b.getvalue()


def main():
    f32 = np.arange(6, dtype="<f4").reshape(2, 3)
    st = "fuzz_safetensors"
    put(st, "two_f32_meta", safetensors(
        [("w", "F32", [2, 3], f32.tobytes()), ("b", "F32", [3], np.ones(3, "<f4").tobytes())],
        {"format": "pt", "git": "abc"}))
    put(st, "mixed_dtypes", safetensors(
        [("labels", "I64", [3], np.array([3, -1, 7], "<i8").tobytes()),
         ("acc", "F64", [1], np.array([0.5], "<f8").tobytes()),
         ("mask", "BOOL", [2], b"\x01\x00"), ("s", "F32", [], b"\x00\x00\x80\x3f"),
         ("e", "F32", [0, 4], b"")]))
    put(st, "empty_header", safetensors([]))
    put(st, "unpadded", safetensors([("t", "I32", [1], b"\x01\x00\x00\x00")], pad=False))
    good = safetensors([("w", "F32", [2, 3], f32.tobytes())])
    put(st, "truncated", good[:-5])
    put(st, "bad_json", good[:8] + good[8:20].replace(b":", b";") + good[20:])
    put(st, "overlap", safetensors([("a", "U8", [2], b"ab"), ("b", "U8", [2], b"cd")])
        .replace(b'"data_offsets":[2,4]', b'"data_offsets":[1,3]'))
    put(st, "huge_length", b"\xff" * 8 + b"{}")

    nf = "fuzz_npy"
    put(nf, "f4_2x3", npy(f32))
    put(nf, "f8_1d", npy(np.linspace(0, 1, 5)))
    put(nf, "i1_scalar", npy(np.int8(-3)))
    put(nf, "u1_3d", npy(np.arange(12, dtype=np.uint8).reshape(2, 3, 2)))
    put(nf, "i2_empty", npy(np.zeros((0, 3), "<i2")))
    put(nf, "f4_fortran", npy(np.asfortranarray(f32)))
    put(nf, "f4_v2", npy(f32, version=(2, 0)))
    put(nf, "bool", npy(np.array([True, False])))
    put(nf, "truncated", npy(f32)[:-3])
    put(nf, "big_endian", npy(f32.astype(">f4")))
    put(nf, "bad_magic", b"\x93NUMPX" + npy(f32)[6:])

    cf = "fuzz_csv"
    put(cf, "simple", "epoch,loss,acc\n1,0.5,0.25\n2,0.30000000000000004,0.5\n")
    put(cf, "quoted", 'name,note\n"a,b","say ""hi""\nthere"\nplain,\n')
    put(cf, "crlf_bom", "\ufeffa,b\r\n1,nan\r\n-inf,1e-310\r\n")
    put(cf, "ragged", "a,b,c\n1,2\n")
    put(cf, "unterminated", 'a\n"open\n')

    jf = "fuzz_json"
    manifest = {"memprobe_version": "0.1.0", "git_commit": "abc123def456", "seed": 42,
                "config": {"dataset": "mnist", "corrupt_fraction": 0.5, "epochs": 30,
                           "lr": 0.01, "layers": [784, 512, 512, 10], "augment": False},
                "sha256": {"train-images": "e3b0c442" * 8}, "metrics": {"acc": [0.1, 0.98]},
                "note": "caf\u00e9 \u2713", "missing": None}
    put(jf, "manifest", json.dumps(manifest, indent=2))
    put(jf, "numbers", "[0, -0, -0.0, 1e308, 5e-324, 18446744073709551615, -9223372036854775808,"
                       " 18446744073709551616, 1.5e-7]")
    put(jf, "escapes", '{"a\\u0000b": "\\ud83d\\ude00\\n\\t\\"", "": []}')
    put(jf, "invalid_trailing", '{"a": 1,}')
    put(jf, "deep", "[" * 40 + "]" * 40)


if __name__ == "__main__":
    main()
