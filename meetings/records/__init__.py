"""The record (acta) of a held session, which both delegations approve, and the commitments it
registers, carried from session to session."""
