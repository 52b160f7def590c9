"""A check plugged in through EXTRA_CHECKS by the batch tests: it fails on a marker text, as
a bug in a site's own check would."""


def explode(facts):
    if "BROKEN-CHECK" in facts.text:
        raise ValueError("this check cannot handle the comment")
    return ()
