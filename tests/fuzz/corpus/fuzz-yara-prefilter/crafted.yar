import "pe"
rule NotPe { strings: $s = "MARK-A" condition: not pe.is_pe and $s }
rule IsPe { condition: pe.is_pe }
rule IsPeZero { strings: $s = "MARK-B" condition: pe.is_pe == 0 and $s }
rule MzOr { strings: $s = "MARK-C" $t = "MARK-D" condition: (uint16(0) == 0x5a4d and $t) or $s }
rule ImpOr { strings: $s = "MARK-E" condition: $s or pe.imphash() == "00" }
rule Sections { strings: $s = "MARK-F" condition: $s or for any i in (0 .. pe.number_of_sections - 1) : (pe.sections[i].name == ".text") }
rule AllSections { condition: for all i in (0 .. pe.number_of_sections) : (true) }
rule NotDefined { strings: $s = "MARK-G" condition: not (pe.number_of_sections > 0) and $s }
rule NumZero { strings: $s = "MARK-H" condition: pe.number_of_sections == 0 or $s }
rule AtEntry { strings: $s = "MARK-I" condition: $s at pe.entry_point or (uint16(0) == 0x5a4d and $s) }
rule Machine { strings: $s = "MARK-J" condition: pe.MACHINE_I386 == 0x14c and $s }
rule DllFlag { strings: $s = "MARK-K" condition: pe.characteristics & pe.DLL or $s }
rule Imports { strings: $s = "MARK-L" condition: pe.imports("kernel32.dll") or $s and filesize < 1MB }
rule Defined { strings: $s = "MARK-M" condition: defined pe.number_of_sections or $s }
rule Mz { condition: uint16(0) == 0x5a4d }
