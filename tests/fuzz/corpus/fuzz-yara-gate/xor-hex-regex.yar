rule XorKeys { strings: $a = "key one" xor(1-4) wide $b = "key two" xor condition: any of them }
rule HexShapes { strings: $h = { 4D 5A ?? 9? ?0 [2] ( 41 | 42 43 ) [4-8] 44 [-] 45 } condition: #h > 0 }
rule Regexes { strings: $r = /abc[0-9]{2,4}\x41/is $s = /x{,3}y/ condition: $r in (0..100) or $s }
rule Mixed { strings: $a = "a\x41\"\\\t" nocase $b = "b" base64 condition: ($a and not $b) or 2 of them }
