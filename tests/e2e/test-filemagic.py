"""End-to-end: file.magic and filemagic. Two HTTP downloads, a PDF and a PNG, in one capture;
rules on libmagic's description of each file alert on the right download only (content,
nocase, negation, the sticky buffer and the legacy keyword), a description that fits neither
file matches nothing, and a run without such rules still loads and logs the same files
(libmagic only runs when a rule reads its result).
"""
import os
import tempfile

from e2elib import (check, check_eq, ether, finish, ipv4, of_type, run_bongsu, tcp,
                    validate_schema, write_pcap)

SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
TMP = tempfile.mkdtemp(prefix="bongsu-filemagic-")
SRV = "192.0.2.9"

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"x" * 600
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00"
       b"\x00\x1f\xf3\xffa" + b"\x00" * 300)


def download(client, sport, path, body, content_type):
    """A whole HTTP/1.1 GET and its response on one connection, closed by both sides."""
    c = lambda flags, seq, ack, data=b"": ether(ipv4(client, SRV, 6, tcp(sport, 80, seq, ack,
                                                                         flags, data)))
    s = lambda flags, seq, ack, data=b"": ether(ipv4(SRV, client, 6, tcp(80, sport, seq, ack,
                                                                         flags, data)))
    req = (f"GET {path} HTTP/1.1\r\nHost: files.example\r\nUser-Agent: test\r\n\r\n").encode()
    resp = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    cs, ss = 1001 + len(req), 5001 + len(resp)
    return [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001),
            c(PSH | ACK, 1001, 5001, req), s(ACK, 5001, cs), s(PSH | ACK, 5001, cs, resp),
            c(ACK, cs, ss), c(FIN | ACK, cs, ss), s(FIN | ACK, ss, cs + 1), c(ACK, cs + 1, ss + 1)]


pcap = write_pcap(os.path.join(TMP, "downloads.pcap"),
                  download("10.0.0.1", 40001, "/report.pdf", PDF, "application/pdf") +
                  download("10.0.0.2", 40002, "/logo.png", PNG, "image/png"))

RULES = """\
alert http any any -> any any (msg:"legacy, PDF"; filemagic:"PDF"; sid:1;)
alert http any any -> any any (msg:"sticky, png, nocase"; file.magic; content:"png image"; nocase; sid:2;)
alert http any any -> any any (msg:"negated"; filemagic:!"PDF"; sid:3;)
alert http any any -> any any (msg:"neither"; filemagic:"Zip archive"; sid:4;)
alert http any any -> any any (msg:"underscore alias"; file_magic; content:"PDF document"; sid:5;)
"""


def run(rules_text):
    rules = os.path.join(TMP, "magic.rules")
    with open(rules, "w") as f:
        f.write(rules_text)
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules])
    validate_schema(events)
    return events


events = run(RULES)
urls = {}
for a in of_type(events, "alert"):
    urls.setdefault(a["alert"]["signature_id"], []).append(a.get("http", {}).get("url"))
check_eq(urls.get(1), ["/report.pdf"], "filemagic:\"PDF\" on the PDF download only")
check_eq(urls.get(2), ["/logo.png"], "file.magic; content:\"png image\"; nocase on the PNG only")
check_eq(urls.get(3), ["/logo.png"], "filemagic:!\"PDF\" on the PNG only")
check_eq(urls.get(4), None, "a description neither file has matches nothing")
check_eq(urls.get(5), ["/report.pdf"], "file_magic alias on the PDF only")
files_with_magic_rules = sorted(e["fileinfo"]["filename"] for e in of_type(events, "fileinfo"))
check_eq(files_with_magic_rules, ["/logo.png", "/report.pdf"], "both files logged")

# Without a rule reading file.magic, nothing about the files changes.
plain = run('alert http any any -> any any (msg:"any pdf url"; http.uri; content:".pdf"; sid:9;)\n')
check_eq(sorted(e["fileinfo"]["filename"] for e in of_type(plain, "fileinfo")),
         files_with_magic_rules, "the same files without magic rules")
check_eq(len(of_type(plain, "alert")), 1, "the control rule alerts once")
check(all("magic" not in e["fileinfo"] for e in of_type(plain, "fileinfo")),
      "fileinfo has no magic field unless asked for")
finish()
