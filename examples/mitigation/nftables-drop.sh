#!/bin/sh
# nftables-drop.sh - bongsu ddos mitigation hook: drop the attack traffic to the victim on
# this host or router with nftables, added on start and removed on end.
#
# Rules live in their own table (inet bongsu_ddos), one chain hooked at prerouting priority
# raw (before conntrack, so a SYN flood never creates conntrack entries), each rule tagged
# with a comment naming the victim so `end` deletes exactly what `start` added.
# Environment from bongsu: BONGSU_DDOS_STATE, BONGSU_DDOS_VICTIM, BONGSU_DDOS_ATTACK,
# BONGSU_DDOS_PROTO, BONGSU_DDOS_TOP_SRC_PORTS (see exabgp-blackhole.sh for the full list).
# NFT (default /usr/sbin/nft) and DRY_RUN=yes (print instead of running) for testing.
#
#   ddos:
#     mitigation:
#       on-start: [/usr/local/libexec/bongsu/nftables-drop.sh]
#       on-end:   [/usr/local/libexec/bongsu/nftables-drop.sh]
set -eu

nft=${NFT:-/usr/sbin/nft}
victim=${BONGSU_DDOS_VICTIM:?}
proto=${BONGSU_DDOS_PROTO:-}
tag="bongsu-ddos $victim"

run() {
    if [ "${DRY_RUN:-no}" = yes ]; then
        printf '%s\n' "$*"
    else
        "$@"
    fi
}

family=ip
case "$victim" in *:*) family=ip6 ;; esac

# What to match beyond the destination: the protocol, and the reflector port for reflection.
match=""
case "$proto" in
    tcp|udp) match="meta l4proto $proto" ;;
    icmp) match="meta l4proto icmp" ;;
    icmpv6) match="meta l4proto ipv6-icmp" ;;
esac
case "${BONGSU_DDOS_ATTACK:-}" in
    *-amplification|udp-reflection)
        port=${BONGSU_DDOS_TOP_SRC_PORTS%%,*}
        [ -n "$port" ] && match="$match udp sport $port" ;;
    syn-flood) match="$match tcp flags & (syn|ack) == syn" ;;
esac

case "${BONGSU_DDOS_STATE:?}" in
start)
    run "$nft" add table inet bongsu_ddos
    run "$nft" add chain inet bongsu_ddos pre \
        '{ type filter hook prerouting priority raw; policy accept; }'
    # $match is several nft words on purpose.
    # shellcheck disable=SC2086
    run "$nft" add rule inet bongsu_ddos pre $family daddr "$victim" $match counter drop \
        comment "\"$tag\""
    ;;
end)
    # Delete every rule carrying this victim's tag (handles from the JSON-less listing).
    "$nft" -a list chain inet bongsu_ddos pre 2>/dev/null |
        grep -F "comment \"$tag\"" | sed -n 's/.*# handle \([0-9]*\)$/\1/p' |
        while read -r handle; do
            run "$nft" delete rule inet bongsu_ddos pre handle "$handle"
        done
    ;;
*) echo "nftables-drop: unknown state '$BONGSU_DDOS_STATE'" >&2; exit 2 ;;
esac
