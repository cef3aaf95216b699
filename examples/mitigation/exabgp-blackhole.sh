#!/bin/sh
# exabgp-blackhole.sh - bongsu ddos mitigation hook: remote-triggered blackhole (RFC 7999
# BLACKHOLE community 65535:666) plus a FlowSpec rule (RFC 8955) that discards only the attack
# traffic, announced on start and withdrawn on end through ExaBGP's API.
#
# bongsu runs it with no shell and the attack in the environment (see src/ddos/ddos-log.c):
#   BONGSU_DDOS_STATE        start | end
#   BONGSU_DDOS_VICTIM       the attacked address;  BONGSU_DDOS_VICTIM_PREFIX  it as /32 or /128
#   BONGSU_DDOS_ATTACK       syn-flood, ntp-amplification, ...
#   BONGSU_DDOS_PROTO        tcp | udp | icmp | icmpv6 | "" (the attacked traffic class's protocol)
#   BONGSU_DDOS_TOP_SRC_PORTS, BONGSU_DDOS_TOP_DEST_PORTS, BONGSU_DDOS_TOP_SOURCES  (comma lists)
#   BONGSU_DDOS_PPS, BONGSU_DDOS_BPS, BONGSU_DDOS_PEAK_PPS
#
# Configuration (suricata.yaml / bongsu.yaml):
#   ddos:
#     mitigation:
#       on-start: [/usr/local/libexec/bongsu/exabgp-blackhole.sh]
#       on-end:   [/usr/local/libexec/bongsu/exabgp-blackhole.sh]
#       timeout: 10
#
# ExaBGP side: a `process` reading commands from the named pipe below, e.g.
#   process bongsu { run /usr/bin/socat -u PIPE:/run/exabgp/bongsu.in STDOUT; encoder text; }
# Environment knobs: EXABGP_PIPE (default /run/exabgp/bongsu.in), BLACKHOLE_NEXT_HOP
# (default self), BLACKHOLE=no to send only the FlowSpec rule, FLOWSPEC=no for only the RTBH,
# DRY_RUN=yes to print the commands instead.
set -eu

pipe=${EXABGP_PIPE:-/run/exabgp/bongsu.in}
next_hop=${BLACKHOLE_NEXT_HOP:-self}
state=${BONGSU_DDOS_STATE:?}
prefix=${BONGSU_DDOS_VICTIM_PREFIX:?}
proto=${BONGSU_DDOS_PROTO:-}

case "$state" in
    start) verb=announce ;;
    end) verb=withdraw ;;
    *) echo "exabgp-blackhole: unknown state '$state'" >&2; exit 2 ;;
esac

# The FlowSpec match: the victim, the protocol, and for reflection attacks the reflector's
# source port (the first of the top source ports), so legitimate traffic keeps flowing.
flow_match="destination $prefix;"
[ -n "$proto" ] && flow_match="$flow_match protocol ${proto%v6};"
case "${BONGSU_DDOS_ATTACK:-}" in
    *-amplification|udp-reflection)
        port=${BONGSU_DDOS_TOP_SRC_PORTS%%,*}
        [ -n "$port" ] && flow_match="$flow_match source-port =$port;" ;;
    syn-flood)
        flow_match="$flow_match tcp-flags [ syn ];" ;;
esac

emit() {
    if [ "${DRY_RUN:-no}" = yes ]; then
        printf '%s\n' "$1"
    else
        printf '%s\n' "$1" > "$pipe"
    fi
}

if [ "${BLACKHOLE:-yes}" != no ]; then
    emit "$verb route $prefix next-hop $next_hop community [65535:666]"
fi
if [ "${FLOWSPEC:-yes}" != no ]; then
    emit "$verb flow route { match { $flow_match } then { discard; } }"
fi
