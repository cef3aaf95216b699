"""End-to-end: an FTP upload in passive mode. The control connection logs in, asks for
passive mode (the 227 reply names port 5001) and stores up.bin; the client then opens the
data connection to that port from a port nobody announced and sends 1500 bytes. The data
connection must be recognised as ftp-data from the control connection alone (its port is
not FTP's), its bytes become the file (fileinfo: name, size, CLOSED, sent by the client),
the file keywords on "alert tcp" rules see it (filename and filesize match, a wrong size
does not), and the EVE ftp/ftp_data events carry what the reference logs (command, reply
codes, dynamic_port and mode), all valid against Suricata's schema.
"""
import os
import tempfile

from e2elib import (FTP_PASSIVE_STOR, TcpConn, check, check_eq, finish, of_type, run_bongsu,
                    validate_schema, write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-ftp-")
CLI, SRV = "10.0.0.1", "192.0.2.9"
BODY = bytes(range(256)) * 5 + b"z" * 220     # 1500 bytes


def Conn(sport, dport):
    return TcpConn(CLI, SRV, sport, dport)


ctrl, data = Conn(40000, 21), Conn(40001, 5001)
ctrl.open()
ctrl.exchange(FTP_PASSIVE_STOR)
split = len(ctrl.pkts)           # the data connection runs here
data.open()
data.send(True, BODY[:1000])
data.send(True, BODY[1000:])
data.close()
ctrl.exchange([(False, b"226-Transfer complete\r\n226 1500 bytes\r\n"), (True, b"QUIT\r\n"),
               (False, b"221 bye\r\n")])
ctrl.close()
pcap = write_pcap(os.path.join(TMP, "ftp.pcap"), ctrl.pkts[:split] + data.pkts + ctrl.pkts[split:])

rules = os.path.join(TMP, "ftp.rules")
with open(rules, "w") as f:
    f.write('alert tcp any any -> any any (msg:"name"; filename:"up.bin"; sid:1;)\n'
            'alert tcp any any -> any any (msg:"big"; filesize:>1000; sid:2;)\n'
            'alert tcp any any -> any any (msg:"small"; filesize:<10; sid:3;)\n')
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules])
validate_schema(events)

files = of_type(events, "fileinfo")
check_eq(len(files), 1, "fileinfo events")
if files:
    fi = files[0]
    check_eq(fi.get("app_proto"), "ftp-data", "fileinfo app_proto")
    check_eq((fi.get("src_ip"), fi.get("src_port"), fi.get("dest_port")), (CLI, 40001, 5001),
             "the upload goes from the client")
    check_eq(fi["fileinfo"].get("filename"), "up.bin", "file name from STOR")
    check_eq(fi["fileinfo"].get("size"), 1500, "file size")
    check_eq(fi["fileinfo"].get("state"), "CLOSED", "file state")

sids = sorted(e["alert"]["signature_id"] for e in of_type(events, "alert"))
check_eq(sids, [1, 2], "file keyword rules on the ftp-data file")

ftp = [e["ftp"] for e in of_type(events, "ftp")]
check_eq([t.get("command") for t in ftp], [None, "USER", "PASS", "PASV", "STOR", None, "QUIT"],
         "ftp transactions, the greeting and the 226 without a command")
pasv = next((t for t in ftp if t.get("command") == "PASV"), {})
check_eq((pasv.get("dynamic_port"), pasv.get("mode")), (5001, "passive"), "PASV's data port")
check_eq(pasv.get("completion_code"), ["227"], "PASV reply code")
done = next((t for t in ftp if t.get("completion_code", [""])[0] == "226"), {})
check_eq(done.get("reply"), ["Transfer complete", "1500 bytes"], "a multi-line reply")
ftp_data = [e["ftp_data"] for e in of_type(events, "ftp_data")]
check_eq(ftp_data, [{"filename": "up.bin", "command": "STOR"}], "ftp_data event")

protos = sorted(e.get("app_proto", "") for e in of_type(events, "flow"))
check_eq(protos, ["ftp", "ftp-data"], "flow app_proto of both connections")
finish()
