import pandas as pd

from pipelines.lib.frames import FLOW_SCHEMA, typed_frame
from pipelines.lib.trade import bad_row_share, quarantine_duplicates


def _flow(file, line, exporter="CHN", value=1.0):
    return {"source": "trademap", "source_vintage": "v", "reported_by": "exporter", "year": 2018, "hs_version": "HS2017",
            "hs_code": "260200", "exporter_iso3": exporter, "importer_iso3": "PRK", "value_usd": float("nan"),
            "quantity_t": value, "source_file": file, "source_line": line}


def test_repeated_flows_are_quarantined_with_the_row_they_repeat():
    flows = typed_frame([_flow("b.txt", 4), _flow("a.txt", 9), _flow("a.txt", 3, exporter="IND")], FLOW_SCHEMA)
    kept, quarantine = quarantine_duplicates(flows)
    assert sorted(zip(kept["source_file"], kept["source_line"], strict=True)) == [("a.txt", 3), ("a.txt", 9)]
    [reason] = quarantine["reason"].tolist()
    assert quarantine["source_file"].tolist() == ["b.txt"] and quarantine["source_line"].tolist() == [4]
    assert "CHN->PRK" in reason and "a.txt line 9" in reason
    assert len(kept) + len(quarantine) == len(flows)


def test_no_duplicates_leaves_flows_untouched():
    flows = typed_frame([_flow("a.txt", 1), _flow("a.txt", 2, exporter="IND")], FLOW_SCHEMA)
    kept, quarantine = quarantine_duplicates(flows)
    assert quarantine.empty and kept.equals(flows)
    assert isinstance(kept, pd.DataFrame)


def test_bad_row_share():
    assert bad_row_share(95, 5) == 0.05 and bad_row_share(0, 0) == 0.0
