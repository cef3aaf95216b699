"""End-to-end: a mail with a MIME attachment, sent whole and in 7-byte segments.

The message (crafted below) is multipart/mixed: a quoted-printable text part holding a URL,
an invalid "=" and a dot-stuffed line, then a base64 attachment report.exe (360 bytes). The
expectations were read off reference-suricata (Suricata 7.0.10, -k none --runmode single,
the rules below) on both captures:
  - the smtp event carries "email": status PARSE_DONE, from, to (two, split at the comma),
    cc, attachment ["report.exe"], url ["evil.example.com/x.php?a1"] (the scheme left out,
    "=1" an invalid quoted-printable escape whose "=" is dropped);
  - an anomaly MIME_INVALID_QP on transaction 0 (whole only: in segments the reference
    does not raise it, bongsu still does; not checked there), after
    APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION at packet 7 (the server's "220" is no
    protocol's; it reaches the SMTP parser when the client's EHLO is recognised), and the
    flow (and alerts) log app_proto_tc "failed";
  - one fileinfo: report.exe, size 360, CLOSED, no gaps, with the smtp and email objects
    as they were after the chunk where the file closed: status PARSE_DONE when the
    message's end came in that chunk (whole), BODY_STARTED otherwise (segments);
  - filename:"report.exe" and filesize:360 alert (sids 3, 5), filesize:10 does not (sid 6);
    file.data is the attachment's decoded bytes (sid 7), not its base64 text (sid 8) nor the
    text part (sid 9); whole, the alerts carry the smtp and email objects and come at the
    client's packet after the server acknowledged the message (pcap_cnt 25: the request side
    is inspected at a packet to the server, not at the acknowledgement, where bongsu alerted
    2 packets early). In segments they alert while the message is still arriving (the
    reference: filename at 178, once the file opened, filesize and file.data at 322, once it
    closed; bongsu all three at 327, the message's end: not checked), an email object of
    that moment: not checked.
A second transaction (after the message, QUIT) has no email object.
"""
import base64
import os
import tempfile

from e2elib import TcpConn, check_eq, finish, of_type, run_bongsu, validate_schema, write_pcap

TMP = tempfile.mkdtemp(prefix="bongsu-smtp-mime-")
ATT = b"MZ\x90\x00payload-bytes " * 20
MSG = (b"From: Alice <alice@example.org>\r\n"
       b"To: bob@example.com, Carol <carol@example.net>\r\n"
       b"Cc: dave@example.com\r\n"
       b"Subject: quarterly report\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
       b"\r\n"
       b"preamble\r\n"
       b"--XYZ\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"Content-Transfer-Encoding: quoted-printable\r\n"
       b"\r\n"
       b"Hello Bob, see http://evil.example.com/x.php?a=1 =3D soft=\r\n"
       b"break.\r\n"
       b"..dot line\r\n"
       b"--XYZ\r\n"
       b"Content-Type: application/octet-stream; name=\"report.exe\"\r\n"
       b"Content-Disposition: attachment; filename=\"report.exe\"\r\n"
       b"Content-Transfer-Encoding: base64\r\n"
       b"\r\n" + base64.encodebytes(ATT).replace(b"\n", b"\r\n") +
       b"--XYZ--\r\n"
       b"epilogue\r\n.\r\n")
SMTP = {"helo": "c.example", "mail_from": "<alice@example.org>",
        "rcpt_to": ["<bob@example.com>"]}
EMAIL = {"status": "PARSE_DONE", "from": "Alice <alice@example.org>",
         "to": ["bob@example.com", "Carol <carol@example.net>"], "cc": ["dave@example.com"],
         "attachment": ["report.exe"], "url": ["evil.example.com/x.php?a1"]}
FILEINFO = {"filename": "report.exe", "gaps": False, "state": "CLOSED", "stored": False,
            "size": 360, "tx_id": 0}


def capture(step):
    c = TcpConn("10.0.0.1", "192.0.2.25", 40026, 25)
    c.open()
    c.exchange([(False, b"220 mx ESMTP\r\n"), (True, b"EHLO c.example\r\n"),
                (False, b"250 mx\r\n"), (True, b"MAIL FROM:<alice@example.org>\r\n"),
                (False, b"250 ok\r\n"), (True, b"RCPT TO:<bob@example.com>\r\n"),
                (False, b"250 ok\r\n"), (True, b"DATA\r\n"), (False, b"354 go\r\n")])
    for i in range(0, len(MSG), step):
        c.send(True, MSG[i:i + step])
    c.exchange([(False, b"250 queued\r\n"), (True, b"QUIT\r\n"), (False, b"221 bye\r\n")])
    c.close()
    return write_pcap(os.path.join(TMP, f"smtp-mime-{step}.pcap"), c.pkts)


RULES = os.path.join(TMP, "files.rules")
with open(RULES, "w") as f:
    f.write('alert smtp any any -> any any (msg:"name"; filename:"report.exe"; sid:3;)\n'
            'alert smtp any any -> any any (msg:"size"; filesize:360; sid:5;)\n'
            'alert smtp any any -> any any (msg:"wrong size"; filesize:10; sid:6;)\n'
            'alert smtp any any -> any any (msg:"data"; file.data; content:"payload-bytes MZ";'
            ' sid:7;)\n'
            'alert smtp any any -> any any (msg:"encoded"; file.data; content:"TVqQAHBheWxvYWQt";'
            ' sid:8;)\n'
            'alert smtp any any -> any any (msg:"text part"; file.data; content:"Hello Bob";'
            ' sid:9;)\n')

for step in (len(MSG), 7):
    what = "whole" if step == len(MSG) else "7-byte segments"
    _, _, events, _ = run_bongsu(["-r", capture(step), "-k", "none", "--runmode", "single",
                                  "-S", RULES])
    validate_schema(events)
    smtp = of_type(events, "smtp")
    check_eq([(e["tx_id"], e["smtp"], e.get("email")) for e in smtp],
             [(0, SMTP, EMAIL), (1, {"helo": "c.example"}, None)], f"{what}: smtp events")
    one_dir = (7, None, "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION")
    anomalies = [(a["pcap_cnt"], a.get("tx_id"), a["anomaly"]["event"])
                 for a in of_type(events, "anomaly")]
    check_eq(anomalies[:1], [one_dir], f"{what}: proto_detect anomaly")
    if step == len(MSG):
        check_eq(anomalies[1:], [(23, 0, "MIME_INVALID_QP")], f"{what}: anomalies")
    check_eq([(e["app_proto"], e.get("app_proto_ts"), e.get("app_proto_tc"))
              for e in of_type(events, "flow")], [("smtp", None, "failed")],
             f"{what}: flow app_proto_ts/tc")
    email = dict(EMAIL, status="PARSE_DONE" if step == len(MSG) else "BODY_STARTED")
    files = of_type(events, "fileinfo")
    check_eq([(e["fileinfo"], e.get("smtp"), e.get("email"), e.get("app_proto")) for e in files],
             [(FILEINFO, SMTP, email, "smtp")], f"{what}: fileinfo")
    check_eq(sorted(a["alert"]["signature_id"] for a in of_type(events, "alert")), [3, 5, 7],
             f"{what}: file keyword alerts")
    if step == len(MSG):
        check_eq([(a.get("smtp"), a.get("email"), a["pcap_cnt"])
                  for a in of_type(events, "alert")],
                 [(SMTP, EMAIL, 25)] * 3, f"{what}: the alerts' smtp and email objects, packet")
# A message without MIME structure: its body is the message's own text. The reference logs
# its URLs once each, last seen first, lower-cased, ended by a quote or ">", only http
# ones, and, because they are the message's own, has_ipv6_url/has_ipv4_url/has_exe_url.
URL_BODY = (b"From: a@x\r\nTo: b@x\r\nSubject: s\r\n\r\n"
            b"visit HTTPS://Upper.Example/Path and http://Mixed.Example/AbC\"x\r\n"
            b"also <http://angle.example/q> www.bare.example ftp://f.example/x "
            b"http://dup.example/ http://dup.example/\r\n.\r\n")


def mail_pcap(name, sport, body):
    """A capture of one mail sent with DATA (body ends with its lone ".") and QUIT."""
    c = TcpConn("10.0.0.1", "192.0.2.25", sport, 25)
    c.open()
    c.exchange([(False, b"220 mx\r\n"), (True, b"EHLO c\r\n"), (False, b"250 mx\r\n"),
                (True, b"MAIL FROM:<a@x>\r\n"), (False, b"250 ok\r\n"),
                (True, b"RCPT TO:<b@x>\r\n"), (False, b"250 ok\r\n"), (True, b"DATA\r\n"),
                (False, b"354 go\r\n"), (True, body), (False, b"250 ok\r\n"), (True, b"QUIT\r\n"),
                (False, b"221 bye\r\n")])
    c.close()
    return write_pcap(os.path.join(TMP, name), c.pkts)


_, _, events, _ = run_bongsu(["-r", mail_pcap("smtp-urls.pcap", 40027, URL_BODY),
                              "-k", "none", "--runmode", "single"])
validate_schema(events)
check_eq([e.get("email") for e in of_type(events, "smtp")][:1],
         [{"status": "PARSE_DONE", "from": "a@x", "to": ["b@x"], "has_ipv6_url": False,
           "has_ipv4_url": False, "has_exe_url": False,
           "url": ["dup.example/", "angle.example/q", "mixed.example/abc"]}],
         "urls of a plain message")
# The same MIME message sent with BDAT (CHUNKING): the reference (Suricata 7) parses no MIME
# in BDAT chunks (no email object, no fileinfo, the file rules do not alert) and LAST does
# not end the transaction: one smtp event, logged at the flow's end (pcap_cnt 28).
c = TcpConn("10.0.0.1", "192.0.2.25", 40028, 25)
c.open()
body = MSG[:-3]
c.exchange([(False, b"220 mx\r\n"), (True, b"EHLO c\r\n"), (False, b"250-mx\r\n250 CHUNKING\r\n"),
            (True, b"MAIL FROM:<a@x>\r\n"), (False, b"250 ok\r\n"), (True, b"RCPT TO:<b@x>\r\n"),
            (False, b"250 ok\r\n"), (True, b"BDAT %d LAST\r\n" % len(body) + body),
            (False, b"250 ok\r\n"), (True, b"QUIT\r\n"), (False, b"221 bye\r\n")])
c.close()
_, _, events, _ = run_bongsu(["-r", write_pcap(os.path.join(TMP, "smtp-bdat.pcap"), c.pkts),
                              "-k", "none", "--runmode", "single", "-S", RULES])
validate_schema(events)
check_eq([(e["pcap_cnt"], e["smtp"], e.get("email")) for e in of_type(events, "smtp")],
         [(28, {"helo": "c", "mail_from": "<a@x>", "rcpt_to": ["<b@x>"]}, None)],
         "BDAT: one smtp event, no email")
check_eq(len(of_type(events, "fileinfo")) + len(of_type(events, "alert")), 0,
         "BDAT: no fileinfo, no alert")
# eve-log smtp options custom: [...] and md5: [subject] (Suricata 7 logs these only when
# configured). Expectations from the reference with the same options in its stock
# suricata.yaml: for single-valued fields the last header wins, received lists every one
# last first, bcc is split at commas; the keys come after the default ones, in Suricata's
# field order, subject_md5 last.
FIELDS = (b"From: a@x\r\nTo: b@x\r\nSubject: Quarterly  report\r\nReceived: from a by b\r\n"
          b"Received: from c\r\n by d\r\nX-Mailer: M 1.0\r\nBcc: u@x, v@y\r\n"
          b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\nReply-To: r@x\r\n"
          b"Subject: second\r\n\r\nbody\r\n.\r\n")
CFG = os.path.join(TMP, "fields.yaml")
with open(CFG, "w") as f:
    f.write("outputs:\n  - eve-log:\n      enabled: yes\n      filename: eve.json\n"
            "      types:\n        - smtp:\n            custom: [received, x-mailer, subject, bcc,"
            " date, message_id, reply-to]\n            md5: [subject]\n        - flow\n")
_, _, events, _ = run_bongsu(["-c", CFG, "-r", mail_pcap("fields.pcap", 40029, FIELDS),
                              "-k", "none", "--runmode", "single"])
# Suricata's schema lacks bcc and reply_to (the reference's own event fails it the same way):
# the rest of the event is validated.
validate_schema([dict(e, email={k: v for k, v in e["email"].items()
                                if k not in ("bcc", "reply_to")}) if "email" in e else e
                 for e in events])
email = [e.get("email") for e in of_type(events, "smtp")][:1]
check_eq([list(e) for e in email],
         [["status", "from", "to", "reply_to", "bcc", "message_id", "subject", "x_mailer",
           "received", "date", "subject_md5"]], "custom fields: keys in order")
check_eq(email, [{"status": "PARSE_DONE", "from": "a@x", "to": ["b@x"], "reply_to": "r@x",
                  "bcc": ["u@x", "v@y"], "message_id": "<1@x>", "subject": "second",
                  "x_mailer": "M 1.0", "received": ["from c by d", "from a by b"],
                  "date": "Mon, 1 Jan 2024 00:00:00 +0000",
                  "subject_md5": "a9f0e61a137d86aa9db53465e0801612"}], "custom fields")
finish()
