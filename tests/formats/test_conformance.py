"""Every built-in format passes the public conformance suite."""

from __future__ import annotations

import pytest

from crowsnest.formats import HashListFormat, HashRecord, get_format
from crowsnest.testing.formats import FormatConformance

from format_samples import MD5, MIXED, RICH, SHA256


class TestCsv(FormatConformance):
    @pytest.fixture
    def hash_format(self) -> HashListFormat:
        return get_format("csv")

    @pytest.fixture
    def records(self) -> list[HashRecord]:
        return RICH

    @pytest.fixture
    def bad_lines(self) -> list[bytes]:
        return [b"\xff\xfe\n", b"md5,only-two-cells\n", b"md5,nothex,,,,,\n",
                b"nosuchtype,00,,,,,\n", b'md5,"unterminated,,,,,x"y\n',
                b"md5,d41d8cd98f00b204e9800998ecf8427e,,,,,yesterday\n"]


class TestJsonl(FormatConformance):
    @pytest.fixture
    def hash_format(self) -> HashListFormat:
        return get_format("jsonl")

    @pytest.fixture
    def records(self) -> list[HashRecord]:
        return RICH

    @pytest.fixture
    def bad_lines(self) -> list[bytes]:
        return [b"\xff\xfe\n", b"{not json}\n", b"[1, 2]\n", b'{"value": 5}\n',
                b'{"value": "d41d8cd98f00b204e9800998ecf8427e", "colour": "red"}\n',
                b'{"signal_type": "md5", "value": "zz"}\n',
                b'{"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", '
                b'"labels": "A1"}\n']


class TestTe(FormatConformance):
    @pytest.fixture
    def hash_format(self) -> HashListFormat:
        return get_format("te")

    @pytest.fixture
    def records(self) -> list[HashRecord]:
        return MIXED

    @pytest.fixture
    def bad_lines(self) -> list[bytes]:
        return [b"\xff\xfe\n", b"md5\n", b"md5 d41d8cd98f00b204e9800998ecf8427e extra\n",
                b"pdq 1234\n", b"tmk 00ff\n"]


class TestPlainMd5(FormatConformance):
    @pytest.fixture
    def hash_format(self) -> HashListFormat:
        return get_format("plain")

    @pytest.fixture
    def records(self) -> list[HashRecord]:
        return [HashRecord("md5", v) for v in MD5]

    @pytest.fixture
    def bad_lines(self) -> list[bytes]:
        return [b"\xff\xfe\n", b"not-a-hash\n", b"d41d8cd98f00b204 e9800998ecf8427e\n",
                b"d41d8cd98f00b204e9800998ecf8427\n"]


class TestPlainSha256(TestPlainMd5):
    @pytest.fixture
    def records(self) -> list[HashRecord]:
        return [HashRecord("sha256", v) for v in SHA256 * 2]
