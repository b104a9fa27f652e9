"""The table-driven decoding of the checkpoint protos: varint fields by number, signed 32/64-bit
ranges, wire-type errors naming the field, unknown fields skipped."""

import pytest

from eagerflow.train import protos


def test_entry_round_trip_with_negative_and_large_fields():
    entry = protos.BundleEntry(dtype=19, shape=(4, 0, 7), shard_id=2, offset=(1 << 40) + 3,
                               size=(1 << 33), crc32c=0xFFFFFFFF)
    assert protos.BundleEntry.decode(entry.encode()) == entry
    version = protos.VersionDef(producer=-1, min_consumer=5, bad_consumers=[3, -2])
    assert protos.VersionDef.decode(version.encode()) == version
    header = protos.BundleHeader(num_shards=3, endianness=protos.BIG, version=version)
    assert protos.BundleHeader.decode(header.encode()) == header


def test_unknown_fields_are_skipped():
    # field 9 (varint 1) then num_shards = 4
    data = protos._tag(9, 0) + b"\x01" + protos._tag(1, 0) + b"\x04"
    assert protos.BundleHeader.decode(data).num_shards == 4


@pytest.mark.parametrize("cls, number, name", [
    (protos.BundleEntry, 3, "BundleEntryProto.shard_id"),
    (protos.BundleEntry, 5, "BundleEntryProto.size"),
    (protos.BundleHeader, 2, "BundleHeaderProto.endianness"),
    (protos.VersionDef, 1, "VersionDef.producer")])
def test_wrong_wire_type_names_the_field(cls, number, name):
    data = protos._tag(number, 2) + b"\x01\x00"  # a length-delimited field where a varint goes
    with pytest.raises(protos.DecodeError, match=f"Field {name} has wire type 2, expected 0"):
        cls.decode(data)


def test_int32_field_out_of_range():
    data = protos._tag(1, 0) + protos.encode_varint(1 << 31)
    with pytest.raises(protos.DecodeError, match="out of range"):
        protos.BundleHeader.decode(data)
