"""Sending a message to people: a DingTalk group robot (钉钉群机器人) and/or e-mail over SMTP.

Configuration, environment first, then the ``[remind]`` section of ``.streamlit/secrets.toml``
(the file ``JXTRACK_SECRETS`` names, default ``.streamlit/secrets.toml`` under the working folder):

| environment                  | secrets.toml ``[remind]`` | meaning                                     |
|------------------------------|---------------------------|---------------------------------------------|
| JXTRACK_DINGTALK_WEBHOOK     | dingtalk_webhook          | the robot's URL (…/robot/send?access_token=…) |
| JXTRACK_DINGTALK_SECRET      | dingtalk_secret           | optional 加签 secret (SEC…)                  |
| JXTRACK_DINGTALK_MSGTYPE     | dingtalk_msgtype          | ``markdown`` (default) or ``text``          |
| JXTRACK_SMTP_HOST            | smtp_host                 | mail server; e-mail is off without it       |
| JXTRACK_SMTP_PORT            | smtp_port                 | default 25, or 587 with STARTTLS            |
| JXTRACK_SMTP_STARTTLS        | smtp_starttls             | ``1``/``true`` to upgrade with STARTTLS     |
| JXTRACK_SMTP_USER / _PASSWORD| smtp_user / smtp_password | optional login                              |
| JXTRACK_SMTP_FROM            | smtp_from                 | sender address (default: smtp_user)         |
| JXTRACK_SMTP_TO              | smtp_to                   | recipients, comma-separated (or a list)     |

The signed robot follows DingTalk's rule: ``sign = urlencode(base64(HMAC-SHA256(secret,
f"{timestamp_ms}\\n{secret}")))``, appended to the URL as ``&timestamp=…&sign=…``.
Every failure (bad setting, receiver down, refused message) is a ``NotifyError`` with one Chinese
line; secrets never appear in messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from jxtrack.services import lookup

SECRETS_ENV = "JXTRACK_SECRETS"
DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"
TIMEOUT = 10.0  # seconds for one delivery

_KEYS = {  # config field -> (environment variable, secrets.toml key)
    "webhook": ("JXTRACK_DINGTALK_WEBHOOK", "dingtalk_webhook"),
    "secret": ("JXTRACK_DINGTALK_SECRET", "dingtalk_secret"),
    "msgtype": ("JXTRACK_DINGTALK_MSGTYPE", "dingtalk_msgtype"),
    "smtp_host": ("JXTRACK_SMTP_HOST", "smtp_host"),
    "smtp_port": ("JXTRACK_SMTP_PORT", "smtp_port"),
    "smtp_starttls": ("JXTRACK_SMTP_STARTTLS", "smtp_starttls"),
    "smtp_user": ("JXTRACK_SMTP_USER", "smtp_user"),
    "smtp_password": ("JXTRACK_SMTP_PASSWORD", "smtp_password"),
    "smtp_from": ("JXTRACK_SMTP_FROM", "smtp_from"),
    "smtp_to": ("JXTRACK_SMTP_TO", "smtp_to"),
}


class NotifyError(lookup.ServiceError):
    """A message that could not be sent, or a bad setting; ``str()`` is one Chinese line."""


@dataclass(frozen=True)
class Message:
    title: str
    markdown: str
    text: str


@dataclass
class Config:
    webhook: str | None = None
    secret: str | None = None
    msgtype: str = "markdown"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_to: list[str] = field(default_factory=list)

    @property
    def channels(self) -> list[str]:
        """Configured channels, described for people (no secrets)."""
        out = []
        if self.webhook:
            out.append(f"钉钉群机器人（{_masked(self.webhook)}{'，加签' if self.secret else ''}）")
        if self.smtp_host:
            out.append(f"邮件（{self.smtp_host}:{self.smtp_port} → {'、'.join(self.smtp_to)}）")
        return out


def _masked(url: str) -> str:
    """The webhook without its token: the URL is a credential."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _truthy(v) -> bool:
    return str(v).strip().lower() in ("1", "true", "yes", "on")


def load_config(env: dict[str, str] | None = None, secrets_path: Path | str | None = None) -> Config:
    """The channels' settings: environment over ``[remind]`` in secrets.toml; NotifyError if bad."""
    env = dict(os.environ) if env is None else env
    path = Path(secrets_path or env.get(SECRETS_ENV) or DEFAULT_SECRETS)
    section: dict = {}
    if path.is_file():
        try:
            section = tomllib.loads(path.read_text(encoding="utf-8")).get("remind", {}) or {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise NotifyError(f"配置文件 {path} 格式有误（{exc}），请按 TOML 格式改正 [remind] 一节。") from None
        if not isinstance(section, dict):
            raise NotifyError(f"配置文件 {path} 中 remind 应为一节 [remind]。")
    raw: dict = {}
    for name, (var, key) in _KEYS.items():
        v = env.get(var)
        if v is None or str(v).strip() == "":
            v = section.get(key)
        present = bool(v) if isinstance(v, list) else (v is not None and str(v).strip() != "")
        if present:
            raw[name] = v
    cfg = Config()
    cfg.webhook = str(raw["webhook"]).strip() if "webhook" in raw else None
    cfg.secret = str(raw["secret"]).strip() if "secret" in raw else None
    cfg.msgtype = str(raw.get("msgtype", "markdown")).strip().lower()
    if cfg.msgtype not in ("markdown", "text"):
        raise NotifyError(f"钉钉消息类型 “{cfg.msgtype}” 无效：可选 markdown 或 text。")
    if cfg.webhook and urllib.parse.urlsplit(cfg.webhook).scheme not in ("http", "https"):
        raise NotifyError("钉钉机器人地址应以 https:// 开头（在钉钉群设置 → 智能群助手 → 机器人中复制 Webhook）。")
    cfg.smtp_host = str(raw["smtp_host"]).strip() if "smtp_host" in raw else None
    cfg.smtp_starttls = _truthy(raw.get("smtp_starttls", False))
    port = raw.get("smtp_port", 587 if cfg.smtp_starttls else 25)
    try:
        cfg.smtp_port = int(str(port).strip())
    except ValueError:
        raise NotifyError(f"邮件服务器端口 “{port}” 不是整数（常用 25、465、587）。") from None
    cfg.smtp_user = str(raw["smtp_user"]) if "smtp_user" in raw else None
    cfg.smtp_password = str(raw["smtp_password"]) if "smtp_password" in raw else None
    cfg.smtp_from = str(raw.get("smtp_from") or cfg.smtp_user or "").strip() or None
    to = raw.get("smtp_to", [])
    cfg.smtp_to = [t.strip() for t in (to if isinstance(to, list) else str(to).split(",")) if str(t).strip()]
    if cfg.smtp_host:
        if not cfg.smtp_to:
            raise NotifyError("已配置邮件服务器，但没有收件人：请设置 JXTRACK_SMTP_TO（多个用逗号分隔）。")
        if not cfg.smtp_from:
            raise NotifyError("已配置邮件服务器，但没有发件人：请设置 JXTRACK_SMTP_FROM。")
    return cfg


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with DingTalk's signature appended (加签)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    sep = "&" if urllib.parse.urlsplit(webhook).query else "?"
    return f"{webhook}{sep}timestamp={timestamp_ms}&sign={sign}"


def dingtalk_body(msg: Message, msgtype: str = "markdown") -> dict:
    if msgtype == "text":
        return {"msgtype": "text", "text": {"content": msg.text}}
    return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": msg.markdown}}


def send_dingtalk(cfg: Config, msg: Message) -> None:
    """POST the message to the group robot; NotifyError unless it answers errcode 0."""
    assert cfg.webhook
    url = signed_url(cfg.webhook, cfg.secret, int(time.time() * 1000)) if cfg.secret else cfg.webhook
    data = json.dumps(dingtalk_body(msg, cfg.msgtype), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    where = _masked(cfg.webhook)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"钉钉机器人 {where} 拒绝了请求（HTTP {exc.code}），请检查 Webhook 地址。") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotifyError(f"无法连接钉钉机器人 {where}（{reason}），请检查网络或 Webhook 地址。") from None
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NotifyError(f"钉钉机器人 {where} 的回复无法识别，消息可能未送达。") from None
    code = answer.get("errcode", 0) if isinstance(answer, dict) else -1
    if code != 0:
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise NotifyError(f"钉钉机器人拒绝了消息（errcode {code}：{errmsg}）。加签或关键词设置请与机器人一致。")


def send_email(cfg: Config, msg: Message) -> None:
    """Send the text version by SMTP (STARTTLS and login when configured)."""
    assert cfg.smtp_host
    em = EmailMessage()
    em["Subject"] = msg.title
    em["From"] = cfg.smtp_from
    em["To"] = ", ".join(cfg.smtp_to)
    em.set_content(msg.text)
    where = f"{cfg.smtp_host}:{cfg.smtp_port}"
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT) as s:
            if cfg.smtp_starttls:
                s.starttls()
            if cfg.smtp_user:
                s.login(cfg.smtp_user, cfg.smtp_password or "")
            s.send_message(em)
    except smtplib.SMTPAuthenticationError:
        raise NotifyError(f"邮件服务器 {where} 拒绝登录：请检查 JXTRACK_SMTP_USER / JXTRACK_SMTP_PASSWORD。") from None
    except smtplib.SMTPNotSupportedError:
        raise NotifyError(f"邮件服务器 {where} 不支持 STARTTLS 或登录：请检查端口和 smtp_starttls 设置。") from None
    except smtplib.SMTPRecipientsRefused:
        raise NotifyError(f"邮件服务器 {where} 拒收收件人 {'、'.join(cfg.smtp_to)}。") from None
    except smtplib.SMTPException as exc:
        raise NotifyError(f"邮件发送失败（{where}）：{exc}。") from None
    except OSError as exc:
        raise NotifyError(f"无法连接邮件服务器 {where}（{exc}），请检查地址、端口和网络。") from None


def send(cfg: Config, msg: Message) -> list[str]:
    """Send on every configured channel; the channels that got it.  If any failed, NotifyError
    says which failed and which (if any) still got the message."""
    if not cfg.channels:
        raise NotifyError(
            "没有配置提醒渠道：请设置 JXTRACK_DINGTALK_WEBHOOK（钉钉群机器人）和/或 JXTRACK_SMTP_HOST 等邮件设置，"
            "或在 .streamlit/secrets.toml 的 [remind] 一节中配置；可先用 --dry-run 预览。"
        )
    sent, failed = [], []
    for name, fn, on in (("钉钉", send_dingtalk, cfg.webhook), ("邮件", send_email, cfg.smtp_host)):
        if not on:
            continue
        try:
            fn(cfg, msg)
            sent.append(name)
        except NotifyError as exc:
            failed.append(str(exc))
    if failed:
        done = f"（{'、'.join(sent)}已发送）" if sent else ""
        raise NotifyError("；".join(failed) + done)
    return sent
