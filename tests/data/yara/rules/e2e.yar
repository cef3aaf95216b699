/* Rules for tests/e2e/test-yara.py: each names its actor in a different meta key. */
rule E2E_Lazarus_Dropper
{
    meta:
        actor = "Hidden Cobra"
        malware_family = "E2EDropper"
    strings:
        $m = "E2E-LAZARUS-DROPPER-7f3a"
    condition:
        $m
}

rule E2E_ScarCruft_Rat
{
    meta:
        threat_actor = "ScarCruft"
    strings:
        $m = "E2E-SCARCRUFT-RAT"
        $n = { 52 4f 4b 52 41 54 }
    condition:
        $m and $n
}
