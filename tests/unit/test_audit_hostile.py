"""The credential-report audit against hostile input: a regression corpus and bounded fuzzing.

The audit is total: it reports what it can and names what it could not read, as `unreadable`
findings or as one `audit: ...` line on stderr with exit 2; never a traceback.
The property tests run a few hundred examples each (about 20 s for the file on 2 cores);
IAM_CONSTRUCTS_FUZZ_EXAMPLES=N raises every count to at least N (say 2000 for a long run).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import http.server
import io
import os
import socket
import threading
from typing import ClassVar

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_constructs import audit as au
from iam_constructs.cli import main

FUZZ = int(os.environ.get("IAM_CONSTRUCTS_FUZZ_EXAMPLES") or 0)


def bounded(n: int):
    return settings(max_examples=max(n, FUZZ), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


COLUMNS = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
           "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
           "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
           "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
           "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
           "cert_2_active,cert_2_last_rotated").split(",")
DATE_COLUMNS = ("user_creation_time", "password_last_used", "access_key_1_last_rotated",
                "access_key_1_last_used_date", "access_key_2_last_rotated", "access_key_2_last_used_date")
FLAG_COLUMNS = ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
AT = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
OLD = "2020-01-01T00:00:00+00:00"
RECENT = "2026-11-01T00:00:00+00:00"


# -- strategies --------------------------------------------------------------------------------

offsets = st.integers(-1439, 1439).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
any_datetime = st.datetimes(min_value=dt.datetime.min, max_value=dt.datetime.max,
                            timezones=st.none() | st.just(dt.timezone.utc) | offsets)
HOSTILE_DATES = ["N/A", "no_information", "not_supported", "", " ", "2026-11-20", "2026-11-20T10:00:00",
                 "2026-11-20T10:00:00Z", "2026-11-20 10:00:00", "20261120T100000", "2026-W47-5",
                 "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-45T00:00:00+00:00",
                 "2026-02-30", "2026-11-20T24:00:00", "2026-11-20T10:00:00+24:00", "10000-01-01",
                 "\uff12\uff10\uff12\uff16-11-20", " 2026-11-20", "2026-11-20\n", "2026-11-20\x00", "yesterday",
                 "1700000000", "-1", "NaN", "2026-11-20T10:00:00.123456789+05:30"]
date_text = st.one_of(st.sampled_from(HOSTILE_DATES), any_datetime.map(dt.datetime.isoformat),
                      any_datetime.map(lambda d: d.isoformat(sep=" ")), st.dates().map(dt.date.isoformat),
                      st.text(max_size=30))
flag_text = st.one_of(st.sampled_from(["true", "false", "TRUE", "False", "yes", "1", "", " true", "N/A",
                                       "not_supported", "true\n"]), st.text(max_size=8))
user_name = st.one_of(st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,64}", fullmatch=True),
                      st.sampled_from(["<root_account>", "", " ", "jane smith", "j\u00e4ne", "x" * 65, "a\nb",
                                       "a\x00b", "\u202ejane", "Jane", "jane", "=cmd|' /C calc'!A0"]),
                      st.text(max_size=70))


@st.composite
def report_row(draw):
    row = {"user": draw(user_name), "arn": draw(st.text(max_size=20))}
    for column in COLUMNS[2:]:
        row[column] = draw(date_text if column in DATE_COLUMNS else
                           flag_text if column in FLAG_COLUMNS else st.text(max_size=10))
    return row


@st.composite
def report_text(draw):
    """A credential report with something wrong in it, or nothing wrong."""
    header = list(COLUMNS)
    mutation = draw(st.sampled_from(["none", "drop", "extra", "shuffle", "duplicate", "rename"]))
    if mutation == "drop":
        del header[draw(st.integers(0, len(header) - 1))]
    elif mutation == "extra":
        header.insert(draw(st.integers(0, len(header))), draw(st.text(max_size=12)))
    elif mutation == "shuffle":
        header = draw(st.permutations(header))
    elif mutation == "duplicate":
        header.append(draw(st.sampled_from(header)))
    elif mutation == "rename":
        header[draw(st.integers(0, len(header) - 1))] = draw(st.text(max_size=12))
    rows = draw(st.lists(report_row(), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for row in rows:
        fields = [row.get(c, "x") for c in header]
        cut = draw(st.sampled_from([None, None, None, "short", "long"]))
        if cut == "short":
            fields = fields[:draw(st.integers(0, max(len(fields) - 1, 0)))]
        elif cut == "long":
            fields += draw(st.lists(st.text(max_size=5), min_size=1, max_size=3))
        writer.writerow(fields)
    text = out.getvalue()
    if draw(st.booleans()):
        text = "\ufeff" + text
    if draw(st.integers(0, 4)) == 0:  # splice garbage somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=10)) + text[at:]
    return text


def encoded(text_strategy):
    return st.tuples(text_strategy, st.sampled_from(["str", "utf-8", "utf-8-sig", "utf-16", "latin-1"])).map(
        lambda t: t[0] if t[1] == "str" else t[0].encode(t[1], "replace"))


report_content = st.one_of(encoded(report_text()), st.binary(max_size=600), st.text(max_size=600),
                           encoded(st.text(max_size=300)))

tag_value = st.one_of(date_text, st.text(max_size=20))
tags_of = st.dictionaries(st.sampled_from(["Expiry", "expiry", "EXPIRY", "DisabledSince", "disabledsince",
                                           "Owner", ""]) | st.text(max_size=10), tag_value, max_size=4)
days = st.one_of(st.integers(1, 400), st.integers(1, 10 ** 30), st.sampled_from([1, 999_999_999, 1_000_000_000]))


# -- oracles -----------------------------------------------------------------------------------

def well_formed(findings) -> bool:
    return isinstance(findings, list) and all(
        isinstance(f, au.Finding) and f.kind in au.KINDS and all(isinstance(v, str) and v and v.isprintable()
                                                                 for v in (f.user, f.kind, f.detail))
        for f in findings)


def readable_date(value: str) -> bool:
    if value in ("N/A", "no_information", "not_supported"):
        return True
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def readable_day(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def row_problems(row) -> list[str]:
    """What a row holds that the audit must name rather than read as 'never' or 'false'."""
    if row.get("user") == "<root_account>":
        return []
    bad = [c for c in FLAG_COLUMNS if c in row and row[c].lower() not in ("true", "false")]
    bad += [c for c in DATE_COLUMNS if c in row and not readable_date(row[c])]
    return bad


def is_user_name(name) -> bool:
    import re
    return isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_+=,.@-]{1,64}", name) is not None


# -- the parser --------------------------------------------------------------------------------

HEADER = ",".join(COLUMNS)


def report(*rows, header=HEADER):
    return (header + "\n" + "".join(r + "\n" for r in rows)).encode()


def line(user="jane", **fields):
    values = {"user": user, "arn": f"arn:aws:iam::123456789012:user/{user}", "user_creation_time": RECENT,
              "password_enabled": "false", "password_last_used": "N/A", "password_last_changed": "N/A",
              "password_next_rotation": "N/A", "mfa_active": "false", "access_key_1_active": "false",
              "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
              "access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
              "access_key_2_active": "false", "access_key_2_last_rotated": "N/A",
              "access_key_2_last_used_date": "N/A", "access_key_2_last_used_region": "N/A",
              "access_key_2_last_used_service": "N/A", "cert_1_active": "false", "cert_1_last_rotated": "N/A",
              "cert_2_active": "false", "cert_2_last_rotated": "N/A", **fields}
    return ",".join(values[c] for c in COLUMNS)


def run(content, tags=None, **kwargs):
    rows, problems = au.parse_report(content)
    return sorted(problems + au.evaluate(rows, tags or {}, now=AT, **kwargs))


def kinds(findings):
    return sorted((f.user, f.kind) for f in findings)


def test_timestamps_without_an_offset_are_read_as_utc():
    found = run(report(line("bot", access_key_1_active="true", access_key_1_last_rotated="2020-01-01T00:00:00",
                            access_key_1_last_used_date="2020-01-02 08:00:00")))
    assert kinds(found) == [("bot", "access-key-too-old"), ("bot", "access-key-unused")]
    assert "created 2020-01-01" in found[0].detail and "last used 2020-01-02" in found[1].detail


def test_evaluate_takes_a_naive_clock_as_utc():
    rows = [{"user": "bot", "access_key_1_active": "true", "access_key_1_last_rotated": OLD}]
    assert kinds(au.evaluate(rows, {}, now=AT.replace(tzinfo=None))) == [("bot", "access-key-too-old"),
                                                                        ("bot", "access-key-unused")]


@pytest.mark.parametrize("content,fragment", [
    (b"", "is empty"),
    (b"\n\n  \n", "is empty"),
    ("", "is empty"),
    (b"\xff\xfe\x00garbage\x80", "not UTF-8"),
    (bytes(range(256)), "not UTF-8"),
    (b"<html><body>Service Unavailable</body></html>", "lacks the columns"),
    (b'{"users": []}', "lacks the columns"),
    (b"user,arn\njane,arn:aws:iam::1:user/jane\n", "lacks the columns user_creation_time, password_enabled"),
    (report(header=",".join(COLUMNS + ["user"])), "column 'user' appears twice"),
    (12345, "not text"),
    (None, "not text"),
    (b"x" * (au.MAX_REPORT_BYTES + 1), "larger than"),
])
def test_a_report_that_cannot_be_read_at_all_is_one_clear_error(content, fragment):
    with pytest.raises(au.AuditError, match=fragment):
        au.parse_report(content)


@pytest.mark.parametrize("twice", [False, True])
def test_a_header_of_a_million_columns_is_read_in_linear_time(twice):
    import time
    header = HEADER + "".join(f",c{n}" for n in range(1_000_000)) + (",c7" if twice else "")
    started = time.monotonic()
    if twice:
        with pytest.raises(au.AuditError, match="column 'c7' appears twice"):
            au.parse_report(header + "\n")
    else:
        assert au.parse_report(header + "\n") == ([], [])
    assert time.monotonic() - started < 10


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted():
    text = ("\ufeff" + ",".join(COLUMNS) + "\r\n" + line("jane", password_enabled="true") + "\r\n")
    for content in (text, text.encode("utf-8"), text[1:].encode("utf-8-sig")):
        assert kinds(run(content)) == [("jane", "console-without-mfa")]


def test_extra_and_reordered_columns_are_read_by_name():
    header = list(reversed(COLUMNS)) + ["some_new_column"]
    values = dict(zip(COLUMNS, line("jane", password_enabled="true").split(",")))
    content = ",".join(header) + "\n" + ",".join([values.get(c, "x") for c in header]) + "\n"
    assert kinds(run(content)) == [("jane", "console-without-mfa")]


def test_a_short_or_long_row_is_named_and_the_rest_is_audited():
    short = ",".join(line("bot").split(",")[:5])
    long_ = line("extra") + ",surplus"
    found = run(report(line("jane", password_enabled="true"), short, long_, "not,csv,\"at all"))
    assert kinds(found) == [("<line 5>", "unreadable"), ("bot", "unreadable"), ("extra", "unreadable"),
                            ("jane", "console-without-mfa")]
    by_user = {f.user: f.detail for f in found}
    assert "credential report line 3 has 5 fields where its header has 22" in by_user["bot"]
    assert "line 5 is not CSV" in by_user["<line 5>"]


def test_a_row_cut_short_still_counts_as_present_for_the_roster():
    short = ",".join(line("bot").split(",")[:5])
    assert kinds(run(report(short), roster_users=["bot"])) == [("bot", "unreadable")]


@pytest.mark.parametrize("field,value", [
    ("password_last_used", "last tuesday"), ("password_last_used", ""), ("user_creation_time", "2026-02-30"),
    ("access_key_1_last_rotated", "2026-13-45T00:00:00+00:00"), ("access_key_2_last_used_date", "\x00"),
    ("password_enabled", "yes"), ("mfa_active", ""), ("access_key_1_active", "1"),
])
def test_an_unreadable_date_or_flag_is_reported_not_read_as_never(field, value):
    found = run(report(line("jane", **{field: value})))
    (finding,) = found
    assert (finding.user, finding.kind) == ("jane", "unreadable")
    assert field in finding.detail and repr(value) in finding.detail


def test_an_unreadable_last_use_is_not_reported_as_never_used():
    found = run(report(line("jane", password_enabled="true", mfa_active="true", password_last_used="soon",
                            user_creation_time=OLD)))
    assert kinds(found) == [("jane", "unreadable")] and "never" not in found[0].detail


def test_an_unreadable_mfa_flag_is_named_not_passed_nor_failed():
    found = run(report(line("jane", password_enabled="true", mfa_active="maybe")))
    assert kinds(found) == [("jane", "unreadable")]


@pytest.mark.parametrize("name,shown", [("", "<line 2>"), (" ", "<line 2>"), ("jane smith", "jane smith"),
                                        ("a\x00b", "<line 2>"), ("j\u00e4ne", "j\u00e4ne"), ("x" * 65, "x" * 65),
                                        ("\u202ejane", "<line 2>")])
def test_a_user_name_iam_would_refuse_is_named_and_not_audited(name, shown):
    quoted = '"' + name + '"'
    found = run(report(line("jane")).replace(b"\njane,", f"\n{quoted},".encode(), 1))
    (finding,) = found
    assert (finding.user, finding.kind) == (shown, "unreadable") and "is not an IAM user name" in finding.detail
    rows = [{"user": name, "password_enabled": "true", "mfa_active": "false"}]
    (finding,) = au.evaluate(rows, {}, now=AT)
    assert (finding.user, finding.kind) == (shown.replace("line 2", "row 1"), "unreadable")


def test_a_user_listed_twice_is_named_once_and_audited_once():
    found = run(report(line("jane", password_enabled="true"), line("Jane")))
    assert kinds(found) == [("Jane", "unreadable"), ("jane", "console-without-mfa")]
    assert "appears more than once" in found[0].detail


def test_the_root_account_row_is_skipped_whatever_it_holds():
    root = line("<root_account>", password_enabled="not_supported", password_last_used="??", mfa_active="x")
    assert run(report(root)) == []


def test_control_characters_in_names_do_not_reach_the_table():
    rows = [{"user": "jane\x1b[2J", "password_enabled": "true"}]
    table = au.as_table(au.evaluate(rows, {}, now=AT, roster_users=["=HYPERLINK(\"x\")", "ok\x07"]))
    assert "\x1b" not in table and "\x07" not in table and all(ln.isprintable() for ln in table.splitlines())


# -- the limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"max_key_age_days": 1_000_000_000}, {"max_unused_days": 10 ** 30},
                                    {"departure_window_days": 10 ** 12}])
def test_huge_day_limits_mean_never_not_a_crash(kwargs):
    rows = [{"user": "bot", "access_key_1_active": "true", "access_key_1_last_rotated": "0001-01-01T00:00:00+00:00"}]
    found = au.evaluate(rows, {"bot": {"DisabledSince": "0001-01-02"}}, now=AT, **kwargs)
    assert well_formed(found)


def test_a_departure_window_that_ends_after_year_9999_never_ends():
    rows = [{"user": "gone", "password_enabled": "false"}]
    assert au.evaluate(rows, {"gone": {"DisabledSince": "9999-12-31"}}, now=AT) == []


@pytest.mark.parametrize("kwargs,fragment", [
    ({"max_key_age_days": 0}, "max_key_age_days"), ({"max_unused_days": True}, "max_unused_days"),
    ({"departure_window_days": "30"}, "departure_window_days"), ({"now": "2026-11-20"}, "now"),
    ({"roster_users": "jane"}, "roster_users"), ({"roster_users": [1]}, "roster_users"),
    ({"tags": {"jane": ["Expiry"]}}, "tags"), ({"rows": [["jane"]]}, "row 1"), ({"rows": 5}, "rows"),
])
def test_evaluate_checks_its_arguments(kwargs, fragment):
    call = {"rows": [], "tags": {}, "now": AT, **kwargs}
    with pytest.raises(au.AuditError, match=fragment):
        au.evaluate(call.pop("rows"), call.pop("tags"), **call)


def test_rows_may_be_a_generator_and_the_roster_still_sees_them():
    rows = ({"user": u} for u in ("jane", "stowaway"))
    assert kinds(au.evaluate(rows, {}, now=AT, roster_users=["jane"])) == [("stowaway", "not-in-roster")]


# -- the endpoint ------------------------------------------------------------------------------

class Fake:
    """An IAM client whose answers the test chooses."""

    def __init__(self, content=None, state="COMPLETE", tags=None, generate=None, get=None):
        self.content, self.state, self.tags, self.generate, self.get = content, state, tags or {}, generate, get
        self.tag_calls = []

    def generate_credential_report(self):
        return self.generate if self.generate is not None else {"State": self.state}

    def get_credential_report(self):
        return self.get if self.get is not None else {"Content": self.content, "ReportFormat": "text/csv"}

    def list_user_tags(self, UserName, **kwargs):
        self.tag_calls.append(UserName)
        answer = self.tags.get(UserName, {"Tags": [], "IsTruncated": False})
        if isinstance(answer, Exception):
            raise answer
        return answer


def gone(user):
    return ClientError({"Error": {"Code": "NoSuchEntity", "Message": f"The user with name {user} cannot be found."}},
                       "ListUserTags")


def denied():
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListUserTags")


def test_a_user_deleted_mid_audit_is_named_and_everyone_else_is_audited():
    iam = Fake(report(line("jane", password_enabled="true"), line("gone"), line("temp")),
               tags={"gone": gone("gone"), "temp": {"Tags": [{"Key": "Expiry", "Value": "2020-01-01"}]}})
    found = au.audit(iam, now=AT, sleep=lambda s: None)
    assert kinds(found) == [("gone", "unreadable"), ("jane", "console-without-mfa"), ("temp", "user-expired")]
    assert "deleted during the audit" in found[0].detail and "NoSuchEntity" in found[0].detail


def test_tags_denied_for_some_users_are_named_and_for_all_users_are_an_access_error():
    iam = Fake(report(line("jane"), line("bot")), tags={"jane": denied()})
    found = au.audit(iam, now=AT, sleep=lambda s: None)
    assert kinds(found) == [("jane", "unreadable")] and "AccessDenied" in found[0].detail
    iam = Fake(report(line("jane"), line("bot")), tags={"jane": denied(), "bot": denied()})
    with pytest.raises(ClientError):
        au.audit(iam, now=AT, sleep=lambda s: None)


def test_names_iam_would_refuse_are_not_sent_to_list_user_tags():
    iam = Fake(report(line("jane"), line('"a b"')))
    au.audit(iam, now=AT, sleep=lambda s: None)
    assert iam.tag_calls == ["jane"]


@pytest.mark.parametrize("fake,fragment", [
    (Fake(generate={}), "GenerateCredentialReport answered without a State"),
    (Fake(generate={"State": "BROKEN"}), "State 'BROKEN'"),
    (Fake(generate=["COMPLETE"]), "GenerateCredentialReport answered without a State"),
    (Fake(get={}), "GetCredentialReport answered without a report"),
    (Fake(get={"Content": b"a,b", "ReportFormat": "text/html"}), "format 'text/html'"),
    (Fake(report(line("jane")), tags={"jane": {"Tags": "none"}}), "ListUserTags for 'jane' answered without"),
    (Fake(report(line("jane")), tags={"jane": {"Tags": [{"Key": 1}]}}), "ListUserTags for 'jane' answered without"),
    (Fake(report(line("jane")), tags={"jane": {"Tags": [], "IsTruncated": True, "Marker": "m"}}), "pages"),
])
def test_answers_that_are_not_iam_answers_are_one_clear_error(fake, fragment):
    with pytest.raises(au.AuditError, match=fragment):
        au.audit(fake, now=AT, sleep=lambda s: None)


class Garbage(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[dict[int, tuple[int, bytes]]] = {}

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        status, body = self.answers[self.server.server_port]
        self.send_response(status)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(aws_env, monkeypatch, tmp_path):
    for key, value in {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(key, value)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serve(status, body):
        Garbage.answers[server.server_port] = (status, body)
        return f"http://127.0.0.1:{server.server_port}"
    yield serve
    server.shutdown()
    server.server_close()


def cli(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


def one_line(err):
    return err.count("\n") == 1 and err.startswith("audit: ") and "Traceback" not in err


@pytest.mark.parametrize("status,body,fragment", [
    (200, b"<html><body>hello</body></html>", "is not an IAM API answer"),
    (200, b"\x00\xff garbage", "is not an IAM API answer"),
    (200, b"", "is not an IAM API answer"),
    (200, b'{"State": "COMPLETE"}', "is not an IAM API answer"),
    (200, b"<?xml version='1.0'?><Foo><Bar>1</Bar></Foo>", "is not an IAM API answer"),
    (404, b"<html>not found</html>", "HTTP 404"),
    (503, b"<html>\nbusy\n</html>", "HTTP 503"),
])
def test_an_endpoint_that_is_not_iam_is_one_line_and_exit_2(endpoint, status, body, fragment):
    code, out, err = cli(["audit", "--endpoint-url", endpoint(status, body), "--region", "us-east-1"])
    assert (code, out) == (2, "") and one_line(err) and fragment in err, err


@pytest.mark.parametrize("url,fragment", [
    ("not a url", "is not an http(s) URL"), ("ftp://example.com", "is not an http(s) URL"),
    ("http://", "is not an http(s) URL"), ("http://[::1", "is not an http(s) URL"),
    ("http://127.0.0.1:99999", "is not an http(s) URL"), ("http://exa mple.com", "is not an http(s) URL"),
    ("http://127.0.0.1:9", "cannot reach http://127.0.0.1:9"),
])
def test_a_url_that_is_not_one_or_goes_nowhere(endpoint, url, fragment):
    code, out, err = cli(["audit", "--endpoint-url", url, "--region", "us-east-1"])
    assert (code, out) == (2, "") and one_line(err) and fragment in err, err


@pytest.mark.parametrize("value,fragment", [
    ("1000000000", None), ("9" * 5000, None), ("0", "must be at least 1 day"), ("-3", "must be at least 1 day"),
    ("1_000", "is not a whole number"), ("\u0661\u0662", "is not a whole number"), ("1e3", "is not a whole number"),
    ("", "is not a whole number"), ("+5", "is not a whole number"),
])
def test_day_flags(moto_aws, monkeypatch, value, fragment):
    monkeypatch.setattr(au.time, "sleep", lambda s: None)
    iam = boto3.client("iam")
    iam.create_user(UserName="bot")
    iam.create_access_key(UserName="bot")
    for flag in ("--max-key-age-days", "--max-unused-days", "--departure-window-days"):
        code, out, err = cli(["audit", flag, value])
        if fragment is None:
            assert (code, out.strip(), err) == (0, "no findings", "")
        else:
            assert code == 2 and fragment in err.splitlines()[-1] and len(err.splitlines()[-1]) < 200, err


def test_a_roster_the_loader_cannot_read_is_one_line(monkeypatch, tmp_path):
    from iam_constructs import roster

    def broken(path):
        raise RecursionError("deep")
    monkeypatch.setattr(roster, "load_roster", broken)
    code, out, err = cli(["audit", "--roster", str(tmp_path / "r.yaml")])
    assert out == "" and code == 2 and err.count("\n") == 1 and "could not be read" in err and "Traceback" not in err


def test_an_endpoint_that_never_answers_is_one_line_not_a_hang(endpoint, monkeypatch):
    monkeypatch.setattr(au, "READ_TIMEOUT", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections (the kernel does) and never answers
    try:
        code, out, err = cli(["audit", "--endpoint-url", f"http://127.0.0.1:{silent.getsockname()[1]}",
                              "--region", "us-east-1"])
    finally:
        silent.close()
    assert (code, out) == (2, "") and one_line(err) and "did not answer in time" in err, err


def test_a_report_with_more_users_than_an_account_can_hold_is_refused():
    content = report(*(f"u{n},{','.join(['N/A'] * (len(COLUMNS) - 1))}" for n in range(au.MAX_REPORT_USERS + 1)))
    with pytest.raises(au.AuditError, match="not an IAM credential report"):
        au.parse_report(content)


def test_a_reader_that_goes_away_does_not_raise():
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    au._emit("finding", Gone())


def test_the_lambda_cuts_its_message_by_bytes(monkeypatch):
    published = []

    class Client:
        def publish(self, **kwargs):
            published.append(kwargs)

    many = [au.Finding(f"u{n}", "missing-from-account", "\u00e9" * 120) for n in range(3000)]
    monkeypatch.setattr(au, "audit", lambda *a, **k: many)
    monkeypatch.setattr(boto3, "client", lambda *a, **k: Client())
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:findings")
    assert au.lambda_handler({}, None) == {"count": 3000}
    assert len(published[0]["Message"].encode("utf-8")) <= 250_000


# -- fuzzing -----------------------------------------------------------------------------------

@bounded(600)
@given(report_content)
def test_fuzz_parser_and_evaluate(content):
    try:
        rows, problems = au.parse_report(content)
    except au.AuditError as e:
        assert str(e) and "\n" not in str(e)
        return
    found = au.evaluate(rows, {}, now=AT)
    assert well_formed(problems) and well_formed(found)
    unreadable = {f.user for f in problems + found if f.kind == "unreadable"}
    for row in rows:
        if row_problems(row) and is_user_name(row["user"]):
            assert row["user"] in unreadable, row


@bounded(600)
@given(rows=st.lists(report_row(), max_size=5) | st.lists(
           st.dictionaries(st.sampled_from(COLUMNS), date_text | flag_text, max_size=8).map(
               lambda d: {"user": "bot", **d}), max_size=3),
       tags=st.dictionaries(user_name, tags_of, max_size=4), now=any_datetime,
       limits=st.tuples(days, days, days),
       roster=st.none() | st.lists(user_name, max_size=4))
def test_fuzz_evaluate(rows, tags, now, limits, roster):
    try:
        found = au.evaluate(rows, tags, now=now, max_key_age_days=limits[0], max_unused_days=limits[1],
                            departure_window_days=limits[2], roster_users=roster)
    except au.AuditError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert well_formed(found)
    named = {f.user for f in found if f.kind == "unreadable"}
    first = {}
    for row in rows:
        if is_user_name(row["user"]):
            first.setdefault(row["user"].lower(), row["user"])
    for row in rows:
        if row_problems(row) and is_user_name(row["user"]):
            assert row["user"] in named, row
    for user in first.values():  # a tag date that is not a date is named too, never silently dropped
        mine = {}
        for key, value in tags.get(user, {}).items():
            mine.setdefault(key.lower(), value)  # the first of keys that differ only in case, as the audit reads
        if "disabledsince" in mine and not readable_day(mine["disabledsince"]):
            assert (user, "disabled-but-active") in kinds(found), (user, mine)
        elif "expiry" in mine and not readable_day(mine["expiry"]):
            assert (user, "user-expired") in kinds(found), (user, mine)
    au.as_table(found), au.as_json(found)


@bounded(400)
@given(content=report_content, tags=st.dictionaries(user_name, tags_of, max_size=3),
       deleted=st.sets(user_name, max_size=3))
def test_fuzz_audit_against_a_fake_endpoint(content, tags, deleted):
    answers = {u: gone(u) if u in deleted else {"Tags": [{"Key": k, "Value": v} for k, v in t.items()]}
               for u, t in tags.items()}
    try:
        found = au.audit(Fake(content, tags=answers), now=AT, sleep=lambda s: None)
    except au.AuditError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert well_formed(found)


text_arg = st.text(max_size=20)
day_arg = st.one_of(st.integers(-5, 10 ** 12).map(str), st.sampled_from(["1000000000", "9" * 5000, "", " 7 ", "1e3"]),
                    text_arg)
url_arg = st.one_of(st.sampled_from(["not a url", "http://", "ftp://x", "http://[::1", "http://127.0.0.1:99999",
                                     "http://127.0.0.1:9", "https://iam.amazonaws.com", "http://exa mple.com",
                                     "http://\x00", "HTTP://127.0.0.1:9/", "http://127.0.0.1:9/?a=b#c",
                                     "//127.0.0.1:9", "http:///path", "http://user:pw@127.0.0.1:9"]),
                    st.text(max_size=25).filter(lambda s: "://" not in s))
flag_values = {"--endpoint-url": url_arg, "--region": st.sampled_from(["us-east-1", "eu-west-1", "", "bad region",
                                                                      "cn-north-1", "x" * 80]) | text_arg,
               "--profile": text_arg, "--format": st.sampled_from(["table", "json", "xml", ""]) | text_arg,
               "--max-key-age-days": day_arg, "--max-unused-days": day_arg, "--departure-window-days": day_arg}
argv = st.lists(st.sampled_from(sorted(flag_values)).flatmap(
    lambda flag: flag_values[flag].map(lambda value: [flag, value])), max_size=4).map(
    lambda pairs: ["audit"] + [a for pair in pairs for a in pair])


def no_network(real):
    def lookup(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "no network in the fuzz tests")
        return real(host, *args, **kwargs)
    return lookup


def test_fuzz_cli_arguments(moto_aws, monkeypatch, tmp_path):
    for key, value in {"AWS_MAX_ATTEMPTS": "1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(socket, "getaddrinfo", no_network(socket.getaddrinfo))
    monkeypatch.setattr(au.time, "sleep", lambda s: None)
    iam = boto3.client("iam")
    iam.create_user(UserName="bot", Tags=[{"Key": "Expiry", "Value": "2020-01-01"}])
    iam.create_access_key(UserName="bot")
    iam.create_user(UserName="gone", Tags=[{"Key": "DisabledSince", "Value": "9999-12-31"}])

    @bounded(250)
    @given(argv)
    def property_(args):
        code, out, err = cli(args)
        assert code in (0, 1, 2) and "Traceback" not in err and "Traceback" not in out, (args, err)
        if code == 2 and err.startswith("audit: "):
            assert err.count("\n") == 1, err
    property_()


def test_a_bug_behind_the_audit_is_one_line_naming_it(monkeypatch, capsys):
    """An unexpected error is the CLI's one line for every subcommand, never a traceback."""
    from iam_constructs import audit as audit_module

    def broken(*args, **kwargs):
        raise KeyError("user\nname")
    monkeypatch.setattr(audit_module, "evaluate", broken)
    monkeypatch.setattr(audit_module, "fetch_report", broken)
    code = main(["audit", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("audit: could not finish (KeyError: ") and "this is a bug in iam-constructs" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
