segment 1 ISA at byte 0: invalid control structure: input does not start with an ISA segment [TA1 022]
ISA*00*          *00*          *ZZ*UNKNOWN        *ZZ*UNKNOWN        *260102*0304*^*00501*000000001*0*P*:~
TA1*000000000*260102*0304*R*022~
IEA*0*000000001~
