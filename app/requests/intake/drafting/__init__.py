"""The spec drafter: intake answers in, a spec out, by the rules in requests/intake/drafting/."""
