"""End-to-end: rules whose header names an app-layer protocol bongsu parses besides HTTP,
TLS and DNS (ftp, ftp-data, smb) match on flows of that protocol only, as in Suricata.

One capture holds an FTP control connection (USER, PASS, PASV, STOR, QUIT), the passive
ftp-data connection it announces (400 bytes up) and an SMB2 negotiate over NBSS on port 445.
The (pcap_cnt, sid) pairs were measured once with the reference Suricata 7 on the same
packets and are fixed here (the test never runs it). What they pin down: a packet rule on
"ftp" (flow keyword) alerts on every FTP control packet that fits it, from the first one
after the protocol was recognised; a payload rule on "ftp" sees the stream when Suricata
inspects it (the FTP parsers never ask for early raw inspection, so it comes with the FIN);
an "ftp" rule never matches the SMB flow; "ftp-data" and "smb" rules see their flows; file
keywords on an "ftp-data" rule see the file. (The reference raises sid 14 two packets
earlier, at the client's FIN, inspecting the file's side on to-server packets: only its
count is pinned here.)
"""
import os
import struct
import tempfile

from e2elib import (FTP_PASSIVE_STOR, TcpConn, check_eq, finish, of_type, run_bongsu,
                    validate_schema, write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-rule-proto-")
CLI, SRV = "10.0.0.1", "192.0.2.9"
PKTS = []


def Conn(sport, dport):
    return TcpConn(CLI, SRV, sport, dport, PKTS)


def smb2(command, body, response=False):
    """An SMB2 message (64-byte header, message id 0) in an NBSS session message."""
    header = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, command, 1,
                                      1 if response else 0, 0, 0, 0, 0, 0, b"\0" * 16)
    return struct.pack(">I", len(header) + len(body)) + header + body


ctrl = Conn(40000, 21)
ctrl.open()
ctrl.exchange(FTP_PASSIVE_STOR)
data = Conn(40001, 5001)
data.open()
data.send(True, b"zzzz" * 100)
data.close()
ctrl.exchange([(False, b"226 done\r\n"), (True, b"QUIT\r\n"), (False, b"221 bye\r\n")])
ctrl.close()
smb = Conn(40002, 445)
smb.open()
smb.send(True, smb2(0, struct.pack("<HHHHI16sIHHH", 36, 1, 1, 0, 0, b"\x11" * 16, 0, 0, 0,
                                   0x0202)))
smb.send(False, smb2(0, struct.pack("<HHHH16sIIIIQQHHI", 65, 1, 0x0202, 0, b"\x22" * 16, 0,
                                    65536, 65536, 65536, 0, 0, 128, 0, 0), True))
smb.close()
pcap = write_pcap(os.path.join(TMP, "protos.pcap"), PKTS)

rules = os.path.join(TMP, "protos.rules")
with open(rules, "w") as f:
    f.write('alert ftp any any -> any any (msg:"ftp user"; content:"USER"; sid:11;)\n'
            'alert ftp any any -> any any (msg:"ftp to server"; flow:to_server,established; '
            'sid:12;)\n'
            'alert ftp-data any any -> any any (msg:"ftp-data payload"; content:"zzzz"; sid:13;)\n'
            'alert ftp-data any any -> any any (msg:"ftp-data file"; filename:"up.bin"; sid:14;)\n'
            'alert smb any any -> any any (msg:"smb magic"; content:"|fe|SMB"; sid:15;)\n'
            'alert smb any any -> any any (msg:"smb to client"; flow:to_client; sid:16;)\n'
            'alert ftp any any -> any any (msg:"ftp rule, smb bytes"; content:"|fe|SMB"; '
            'sid:17;)\n'
            'alert tcp any any -> any any (msg:"tcp + app-layer-protocol"; '
            'app-layer-protocol:ftp; content:"PASS"; sid:18;)\n')
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules])
validate_schema(events)


def at(sid):
    return sorted(e.get("pcap_cnt") for e in of_type(events, "alert")
                  if e["alert"]["signature_id"] == sid)


check_eq(at(11), [36], "ftp payload rule: on the stream, inspected at the client's FIN")
check_eq(at(12), [9, 10, 13, 14, 17, 18, 21, 31, 32, 35, 36, 38],
         "ftp packet rule: every to-server control packet once the protocol is known")
check_eq(at(13), [27], "ftp-data payload rule")
check_eq(len(at(14)), 1, "file keyword on an ftp-data rule: once")
check_eq(at(15), [46, 47], "smb payload rule, each direction")
check_eq(at(16), [43, 44, 47], "smb packet rule, to the client")
check_eq(at(17), [], "an ftp rule does not match the smb flow")
check_eq(at(18), [36], "tcp rule with app-layer-protocol:ftp, as before")
finish()
