"""SMPP 3.4 support: a focused PDU codec (:mod:`.pdu`) and SMS text encoding (:mod:`.text`).

Pure code, no I/O. The client session, bind pool and simulator build on these modules.
The provider is not registered yet (issue 3).
"""
