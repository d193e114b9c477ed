"""Matching events: a coordinator features open requests, engineers register and rank them, attendance
is checked in at the door, the engine proposes who goes where, and confirmed matches become claims."""
