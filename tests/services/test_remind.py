"""``jxtrack remind``: what it says (unreported, late, turned red) and how it is delivered — to a
local HTTP receiver standing in for the DingTalk robot and a local SMTP server, both started here."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import socketserver
import threading
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from jxtrack.cli import run as cli
from jxtrack.domain import clock
from jxtrack.services import cycle, notify, remind, status_table
from jxtrack.store import cycle as cycle_sql

JIASHAN, NANHU = "330421", "330402"
COUNTIES = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
NOV_20 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 Beijing, after October's due date
NOV_8 = datetime(2026, 11, 8, 1, 0, tzinfo=UTC)    # 09:00 Beijing, two days before it


def _record(store, region, period, at):
    values = pd.DataFrame({"region": [region], "period": [period], "measure": ["digital_projects"],
                           "value": [10.0]})
    with clock.fixed(at), store.transaction() as con:
        store.record_upload(con, kind="upload", username="t", status="accepted", region=region,
                            period=period, values=values)


# ---- local receivers -------------------------------------------------------------------------------
class _Robot(BaseHTTPRequestHandler):
    answer = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers.get("Content-Type"), body))
        out = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Robot)
    srv.received = []
    srv.answer = {"errcode": 0, "errmsg": "ok"}
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def w(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        mail = {"rcpt": []}
        self.w("220 localhost test SMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.w("250-localhost")
                self.w("250 AUTH PLAIN")
            elif verb == "AUTH":
                parts = cmd.split(" ")
                token = parts[2] if len(parts) > 2 else None
                if token is None:
                    self.w("334 ")
                    token = self.rfile.readline().decode().strip()
                mail["auth"] = base64.b64decode(token).decode()
                self.w("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                mail["from"] = cmd
                self.w("250 OK")
            elif verb == "RCPT":
                mail["rcpt"].append(cmd)
                self.w("250 OK")
            elif verb == "DATA":
                self.w("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    ln = self.rfile.readline()
                    if ln in (b".\r\n", b".\n", b""):
                        break
                    data.append(ln[1:] if ln.startswith(b"..") else ln)
                mail["data"] = b"".join(data)
                self.server.received.append(dict(mail))
                self.w("250 OK queued")
            elif verb == "QUIT":
                self.w("221 Bye")
                return
            else:
                self.w("250 OK")


@pytest.fixture
def smtp_server():
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    srv.daemon_threads = True
    srv.received = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def no_channels(monkeypatch, tmp_path):
    """No reminder settings from the machine: an empty secrets file, no JXTRACK_* channel variables."""
    for var, _ in notify._KEYS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(notify.SECRETS_ENV, str(tmp_path / "none.toml"))


# ---- what the reminder says ------------------------------------------------------------------------
def test_before_the_due_date_lists_who_has_not_reported(empty_store):
    _record(empty_store, JIASHAN, "2026-10", datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
    rem = remind.build(empty_store, None, at=NOV_8)
    assert rem.period == "2026-10"                     # default: last month, on the Beijing calendar
    assert not rem.overdue and rem.due.isoformat() == "2026-11-10"
    assert rem.not_reported == [c for c in COUNTIES if c != "嘉善县"]
    assert rem.late == []
    text = rem.message().text
    assert "报送提醒：2026年10月数据" in text and "还有 2 天" in text
    assert "尚未报送（6个区县）：南湖区、秀洲区、平湖市、海宁市、海盐县、桐乡市。" in text
    assert "北京时间 2026-11-08 09:00" in text


def test_the_default_period_follows_the_beijing_calendar():
    # 2026-11-30 16:30 UTC is already 1 December in Beijing: the report being collected is November's
    assert cycle.collecting_period(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-11"
    assert cycle.collecting_period(datetime(2026, 11, 30, 15, 30, tzinfo=UTC)) == "2026-10"
    assert cycle.collecting_period(datetime(2026, 1, 5, 1, 0, tzinfo=UTC)) == "2025-12"


def test_after_the_due_date_lists_missing_and_late(empty_store):
    _record(empty_store, JIASHAN, "2026-10", datetime(2026, 11, 10, 15, 30, tzinfo=UTC))  # 23:30, on time
    _record(empty_store, NANHU, "2026-10", datetime(2026, 11, 10, 16, 10, tzinfo=UTC))    # 00:10 on the 11th
    rem = remind.build(empty_store, "2026-10", at=NOV_20)
    assert rem.overdue
    assert rem.not_reported == ["秀洲区", "平湖市", "海宁市", "海盐县", "桐乡市"]
    assert [(n, clock.show(t)) for n, t in rem.late] == [("南湖区", "2026-11-11 00:10")]
    text = rem.message().text
    assert "报送期限 2026年11月10日 已过" in text
    assert "迟报（1个区县）：南湖区（11月11日 00:10）。" in text
    md = rem.message().markdown
    assert "**未报送（5个区县）**" in md


def test_turned_red_since_the_last_bulletin(demo_store):
    st = status_table.status(demo_store, "2026-10")
    red = st[st["light"] == "red"].sort_values(["region_sort", "sort"])
    assert len(red) >= 2
    dropped = red.iloc[1]
    earlier = [{"indicator": str(r.indicator_code), "region": str(r.region_code)}
               for r in red.itertuples() if r.Index != dropped.name]
    with clock.fixed(datetime(2026, 11, 12, 2, 0, tzinfo=UTC)):
        cycle_sql.record_bulletin(demo_store, "2026-10", "zhuanban", "通报.docx", earlier)
    rem = remind.build(demo_store, "2026-10", at=NOV_20)
    assert rem.turned_red == [(dropped["region"], dropped["indicator_name"])]
    assert rem.compared_with == "与2026年1–10月月度通报（2026-11-12 10:00 生成）相比"
    assert f"- {dropped['region']}：{dropped['indicator_name']}" in rem.message().text


def test_without_a_bulletin_it_compares_with_last_month(demo_store):
    def reds(p):
        s = status_table.status(demo_store, p)
        return s[s["light"] == "red"]
    now_red, before = reds("2026-10"), reds("2026-09")
    old = set(zip(before["indicator_code"], before["region_code"], strict=True))
    expected = [(r.region, r.indicator_name) for r in now_red.sort_values(["region_sort", "sort"]).itertuples()
                if (r.indicator_code, r.region_code) not in old]
    rem = remind.build(demo_store, "2026-10", at=NOV_20)
    assert rem.turned_red == expected
    assert rem.compared_with.startswith("尚未发布过月度通报，与上期（2026年1–9月）")


def test_jxtrack_report_records_the_bulletin_and_its_reds(demo_store, tmp_path, capsys):
    assert cli.main(["report", "--period", "2026-10", "-o", str(tmp_path / "b.xlsx")]) == 0
    b = cycle_sql.last_bulletin(demo_store)
    st = status_table.status(demo_store, "2026-10")
    assert b["period"] == "2026-10" and b["file_name"] == "b.xlsx" and b["issued_by"] == "operator"
    assert len(b["red"]) == int((st["light"] == "red").sum())
    assert remind.build(demo_store, "2026-10", at=NOV_20).turned_red == []  # nothing new since


# ---- delivery: DingTalk robot --------------------------------------------------------------------
def test_remind_posts_signed_markdown_to_the_robot(demo_store, robot, no_channels, monkeypatch, capsys):
    url = f"http://127.0.0.1:{robot.server_port}/robot/send?access_token=tok123"
    monkeypatch.setenv("JXTRACK_DINGTALK_WEBHOOK", url)
    monkeypatch.setenv("JXTRACK_DINGTALK_SECRET", "SECabc")
    with clock.fixed(NOV_20):
        code = cli.main(["remind", "--period", "2026-11"])  # nobody has reported November
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已发送" in out and "钉钉" in out
    assert len(robot.received) == 1
    path, ctype, body = robot.received[0]
    assert ctype.startswith("application/json")
    msg = json.loads(body.decode("utf-8"))
    assert msg["msgtype"] == "markdown"
    assert msg["markdown"]["title"] == "报送提醒：2026年11月数据（示例数据）"
    assert "**尚未报送（7个区县）**：" + "、".join(COUNTIES) in msg["markdown"]["text"]
    assert "报送期限：2026年12月10日（还有 20 天" in msg["markdown"]["text"]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert q["access_token"] == ["tok123"]
    ts = q["timestamp"][0]
    assert len(ts) == 13 and ts.isdigit()  # milliseconds
    expected = base64.b64encode(hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert q["sign"] == [expected]  # parse_qs has undone the URL encoding


def test_text_messages_and_no_signature_without_a_secret(demo_store, robot, no_channels, monkeypatch, capsys):
    monkeypatch.setenv("JXTRACK_DINGTALK_WEBHOOK", f"http://127.0.0.1:{robot.server_port}/robot/send?access_token=t")
    monkeypatch.setenv("JXTRACK_DINGTALK_MSGTYPE", "text")
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 0
    path, _, body = robot.received[0]
    assert "sign=" not in path
    msg = json.loads(body)
    assert msg["msgtype"] == "text" and "尚未报送（7个区县）" in msg["text"]["content"]


def test_robot_refusal_and_receiver_down_are_one_chinese_line(demo_store, robot, no_channels, monkeypatch, capsys):
    robot.answer = {"errcode": 310000, "errmsg": "sign not match"}
    monkeypatch.setenv("JXTRACK_DINGTALK_WEBHOOK", f"http://127.0.0.1:{robot.server_port}/robot/send?access_token=t")
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "errcode 310000" in err and err.count("\n") == 1
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("JXTRACK_DINGTALK_WEBHOOK", f"http://127.0.0.1:{port}/robot/send?access_token=secret-token")
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert "无法连接钉钉机器人" in err and "Traceback" not in err and err.count("\n") == 1
    assert "secret-token" not in err  # the webhook's token is a credential


def test_dry_run_prints_and_sends_nothing(demo_store, robot, no_channels, monkeypatch, capsys):
    monkeypatch.setenv("JXTRACK_DINGTALK_WEBHOOK", f"http://127.0.0.1:{robot.server_port}/robot/send?access_token=tok")
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "预览，未发送" in out and "钉钉群机器人" in out and "tok" not in out
    assert "尚未报送（7个区县）" in out
    assert robot.received == []


def test_no_channel_configured_is_an_error(demo_store, no_channels, capsys):
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 2
    assert "没有配置提醒渠道" in capsys.readouterr().err


# ---- delivery: e-mail ------------------------------------------------------------------------------
def test_remind_sends_mail_over_smtp(demo_store, smtp_server, no_channels, monkeypatch, capsys):
    port = smtp_server.server_address[1]
    for k, v in {"JXTRACK_SMTP_HOST": "127.0.0.1", "JXTRACK_SMTP_PORT": str(port),
                 "JXTRACK_SMTP_USER": "robot@jx.gov.cn", "JXTRACK_SMTP_PASSWORD": "pw-123",
                 "JXTRACK_SMTP_TO": "a@jx.gov.cn, b@jx.gov.cn"}.items():
        monkeypatch.setenv(k, v)
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 0
    assert "邮件" in capsys.readouterr().out
    (got,) = smtp_server.received
    assert got["auth"] == "\0robot@jx.gov.cn\0pw-123"
    assert "robot@jx.gov.cn" in got["from"]
    assert [r.split(":", 1)[1].strip() for r in got["rcpt"]] == ["<a@jx.gov.cn>", "<b@jx.gov.cn>"]
    m = email.message_from_bytes(got["data"], policy=email.policy.default)
    assert m["Subject"] == "报送提醒：2026年11月数据（示例数据）"
    assert m["From"] == "robot@jx.gov.cn"
    body = m.get_content()
    assert "尚未报送（7个区县）：" + "、".join(COUNTIES) in body
    assert "**" not in body  # plain text, not markdown


def test_smtp_server_down_is_one_line(demo_store, no_channels, monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("JXTRACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JXTRACK_SMTP_PORT", str(port))
    monkeypatch.setenv("JXTRACK_SMTP_FROM", "x@jx.gov.cn")
    monkeypatch.setenv("JXTRACK_SMTP_TO", "y@jx.gov.cn")
    with clock.fixed(NOV_20):
        assert cli.main(["remind", "--period", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert "无法连接邮件服务器" in err and err.count("\n") == 1


# ---- configuration ------------------------------------------------------------------------------------
def test_config_from_secrets_toml_and_environment_over_it(tmp_path):
    f = tmp_path / "secrets.toml"
    f.write_text('[remind]\ndingtalk_webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc"\n'
                 'smtp_host = "mail.jx.gov.cn"\nsmtp_starttls = true\nsmtp_from = "a@jx.gov.cn"\n'
                 'smtp_to = ["b@jx.gov.cn", "c@jx.gov.cn"]\n', encoding="utf-8")
    cfg = notify.load_config(env={}, secrets_path=f)
    assert cfg.webhook.endswith("access_token=abc") and cfg.secret is None
    assert (cfg.smtp_host, cfg.smtp_port, cfg.smtp_starttls) == ("mail.jx.gov.cn", 587, True)
    assert cfg.smtp_to == ["b@jx.gov.cn", "c@jx.gov.cn"]
    cfg = notify.load_config(env={"JXTRACK_SMTP_HOST": "other.host", "JXTRACK_SMTP_PORT": "2525"}, secrets_path=f)
    assert (cfg.smtp_host, cfg.smtp_port) == ("other.host", 2525)
    assert all("abc" not in c for c in cfg.channels)


@pytest.mark.parametrize("env, words", [
    ({"JXTRACK_SMTP_HOST": "h", "JXTRACK_SMTP_FROM": "a@b"}, "没有收件人"),
    ({"JXTRACK_SMTP_HOST": "h", "JXTRACK_SMTP_TO": "a@b", "JXTRACK_SMTP_PORT": "abc"}, "端口"),
    ({"JXTRACK_DINGTALK_WEBHOOK": "oapi.dingtalk.com/robot"}, "https://"),
    ({"JXTRACK_DINGTALK_WEBHOOK": "https://x", "JXTRACK_DINGTALK_MSGTYPE": "card"}, "消息类型"),
])
def test_bad_settings_are_refused_in_chinese(tmp_path, env, words):
    with pytest.raises(notify.NotifyError, match=words):
        notify.load_config(env=env, secrets_path=tmp_path / "missing.toml")


def test_broken_secrets_file_is_named(tmp_path):
    f = tmp_path / "secrets.toml"
    f.write_text("[remind\nx=", encoding="utf-8")
    with pytest.raises(notify.NotifyError, match="格式有误"):
        notify.load_config(env={}, secrets_path=f)


def test_signature_matches_a_hand_computed_one():
    # DingTalk's recipe: base64(HMAC-SHA256(key=secret, msg="<ts>\n<secret>")), URL-encoded
    url = notify.signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECk", 1700000000000)
    raw = hmac.new(b"SECk", b"1700000000000\nSECk", hashlib.sha256).digest()
    assert url == ("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign="
                   + urllib.parse.quote_plus(base64.b64encode(raw).decode()))
