"""End-to-end: when protocol detection gives up on a TCP flow, measured once with the
reference Suricata 7.0.10 on the same packets (the test never runs it).

Suricata calls a direction "no known protocol" only once its pattern matcher has seen as
deep as its patterns reach (on a port no probing parser claims: 17 bytes to the server, 8
to the client), and the flow "failed" only when both directions are over. A flow with a
direction that said less (or nothing) before it ended keeps no app_proto at all, and its
flow record names none; nor does it name the direction that did fail.
"""
import os
import tempfile

from e2elib import TcpConn, check_eq, finish, of_type, run_rules, write_pcap

TMP = tempfile.mkdtemp(prefix="bongsu-detect-conclude-")

# (client bytes, server bytes) per flow, each on its own port from 7001, and what the
# reference's flow record says
CASES = [((3000, 2), None), ((3000, 100), "failed"), ((3000, 3000), "failed"),
         ((10, 10), None), ((3000, 0), None), ((100, 3000), "failed"),
         ((16, 3000), None), ((17, 3000), "failed"), ((3000, 7), None), ((3000, 8), "failed")]

pkts = []
for i, ((client, server), _) in enumerate(CASES):
    c = TcpConn("10.0.0.%d" % (i + 1), "192.0.2.8", 40001, 7001 + i, pkts)
    c.open()
    c.exchange([(True, b"A" * client)] + ([(False, b"B" * server)] if server else []))
    c.close()
pcap = write_pcap(os.path.join(TMP, "conclude.pcap"), pkts)
events = run_rules(pcap, 'alert tcp any any -> any any (msg:"x"; content:"zq-never"; sid:1;)\n')
got = sorted((f["dest_port"], f.get("app_proto"), f.get("app_proto_ts"), f.get("app_proto_tc"))
             for f in of_type(events, "flow"))
check_eq(got, [(7001 + i, want, None, None) for i, (_, want) in enumerate(CASES)],
         "detection gives up on a direction only once it saw as deep as the patterns")

finish()
