"""Sample hash records shared by the format tests (benign: random hex, harmless labels)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from crowsnest.formats import HashRecord

MD5 = ["d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
       "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0"]
SHA256 = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"]
PDQ = ["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
       "0000000000000000000000000000000000000000000000000000000000000000"]
#: A two-frame vPDQ value in its canonical form: a JSON list of "pdq_hex,quality,seconds".
VPDQ = ('["' + PDQ[0] + ',100,0.000", "' + PDQ[0] + ',98,1.000"]')

RICH = [
    HashRecord("md5", MD5[0], labels=("A1", "baseline"), source="hotline-x",
               external_id="X-1", note="plain note", added_at=datetime(2024, 5, 1, 12, tzinfo=UTC)),
    HashRecord("sha256", SHA256[0], note='commas, "quotes"\nand a second line',
               added_at=datetime(2023, 1, 2, 3, 4, 5, 678901,
                                 tzinfo=timezone(timedelta(hours=5, minutes=30)))),
    HashRecord("pdq", PDQ[0], labels=("B2",), source="ünïcødé ✓", external_id="42"),
    HashRecord("md5", MD5[1]),
    HashRecord("pdq", PDQ[1], labels=("x y",), note="  leading and trailing spaces  "),
]
MIXED = [HashRecord("md5", MD5[2]), HashRecord("pdq", PDQ[0]), HashRecord("sha256", SHA256[1]),
         HashRecord("md5", MD5[3])]
