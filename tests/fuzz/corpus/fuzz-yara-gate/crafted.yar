rule Any { strings: $a = "GATE-ANY-1" $b = "GATE-ANY-2" condition: any of them }
rule Two { strings: $x1 = "GATE-TWO-1" $x2 = "GATE-TWO-2" $y = "GATE-TWO-3" condition: 2 of ($x*) and filesize < 1MB }
rule Count { strings: $a = "GATE-CNT" condition: #a > 1 }
rule At { strings: $a = "GATE-AT" condition: $a at 0 or $a in (10..20) }
rule Nocase { strings: $a = "gate-NoCase" nocase condition: $a }
rule Wide { strings: $a = "GATE-WIDE" wide $b = "GATE-BOTH" ascii wide condition: $a or $b }
rule Xor { strings: $a = "GATE-XOR" xor condition: $a }
rule XorRange { strings: $a = "GATE-XR" xor(1-3) wide condition: $a }
rule Hex { strings: $a = { 47 41 54 45 [2-4] 48 ?5 (58 | 59) 3? } condition: $a }
rule HexJump { strings: $a = { 47 41 54 45 4a [-] 4a } condition: $a }
rule Regex { strings: $a = /gate-re[0-9]{2,3}x/i condition: $a }
rule AndOr { strings: $a = "GATE-AO-A" $b = "GATE-AO-B" $c = "GATE-AO-C" condition: ($a and filesize > 5) or ($b and $c) }
rule Not { strings: $a = "GATE-NOT" condition: not $a and filesize < 3 }
rule Zero { strings: $a = "GATE-ZERO" condition: #a == 0 and filesize == 4 }
rule OrSize { strings: $a = "GATE-OS" condition: $a or filesize == 5 }
rule B64 { strings: $a = "GATE-B64" base64 condition: $a }
rule NoStrings { condition: filesize == 6 }
