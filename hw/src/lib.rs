//! Box hardware: buttons, status screen, tally light, encoder detection (see issue 6).
