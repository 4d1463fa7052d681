from pipelines.lib.trade_inputs import fingerprints, partition_requests

KEYS = [str(y) for y in range(1993, 2026)]


def test_a_baci_release_requests_its_own_year_only():
    [request] = partition_requests(["baci/BACI_HS22_Y2023_V202601.csv"], KEYS)
    assert (request.first, request.last) == ("2023", "2023")
    assert request.tags == {"dagster/asset_partition_range_start": "2023", "dagster/asset_partition_range_end": "2023"}


def test_two_releases_request_two_years_and_other_files_request_every_year():
    requests = partition_requests(["BACI_HS22_Y2022_V1.csv", "BACI_HS22_Y2023_V1.csv"], KEYS)
    assert [(r.first, r.last) for r in requests] == [("2022", "2022"), ("2023", "2023")]
    [request] = partition_requests(["BACI_HS22_Y2022_V1.csv", "comtrade/new.json"], KEYS)
    assert (request.first, request.last) == ("1993", "2025")


def test_years_outside_the_partitions_are_ignored():
    assert partition_requests(["BACI_HS92_Y1990_V1.csv"], KEYS) == []


def test_run_keys_change_with_the_file_state(tmp_path):
    (tmp_path / "BACI_HS22_Y2023_V1.csv").write_text("t,i,j,k,v,q\n")
    stamps = fingerprints(tmp_path)
    [request] = partition_requests(list(stamps), KEYS)
    key = request.run_key(stamps)
    assert key == request.run_key(dict(stamps))
    (tmp_path / "BACI_HS22_Y2023_V1.csv").write_text("t,i,j,k,v,q\n2023,4,8,010121,1,1\n")
    assert request.run_key(fingerprints(tmp_path)) != key
