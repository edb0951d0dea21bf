segment 1 ISA at byte 0: invalid component element separator: ISA delimiters are not distinct or are alphanumeric [TA1 027]
ISA*00*          *00*          *ZZ*UNKNOWN        *ZZ*UNKNOWN        *260102*0304*^*00501*000000001*0*P*:~
TA1*000000000*260102*0304*R*027~
IEA*0*000000001~
