#include "textflag.h"

// func scanSSE(p *byte, n, pos int, seps *int32, room int, vec *[6][2]uint64) (next, term, nseps int, classes uint64)
//
// See scan_amd64.go. Registers: SI p, BX n, R8 pos, DI seps, DX room,
// R9 separators written, R10 classes; X0-X5 the six vectors of vec (the
// terminator, element, component and repetition separators, 0x20 and 0x7F
// in every byte).
TEXT ·scanSSE(SB), NOSPLIT, $0-80
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), BX
	MOVQ pos+16(FP), R8
	MOVQ seps+24(FP), DI
	MOVQ room+32(FP), DX
	MOVQ vec+40(FP), AX
	MOVOU 0(AX), X0
	MOVOU 16(AX), X1
	MOVOU 32(AX), X2
	MOVOU 48(AX), X3
	MOVOU 64(AX), X4
	MOVOU 80(AX), X5
	XORQ R9, R9
	XORQ R10, R10

loop:
	// 16 bytes left in the buffer, and room for 16 separators?
	LEAQ 16(R8), AX
	CMPQ AX, BX
	JGT  out
	MOVQ DX, AX
	SUBQ R9, AX
	CMPQ AX, $16
	JLT  out
	MOVOU (SI)(R8*1), X6
	MOVO X6, X7
	PCMPEQB X0, X7
	PMOVMSKB X7, R11 // terminators
	MOVO X6, X7
	PCMPEQB X1, X7
	PMOVMSKB X7, R12 // element separators
	MOVO X6, X7
	PCMPEQB X2, X7
	PMOVMSKB X7, R13 // component separators
	MOVO X6, X8
	PCMPEQB X3, X8
	PMOVMSKB X8, AX  // repetition separators
	SHLQ $16, AX
	ORQ  AX, R13
	MOVO X4, X7
	PCMPGTB X6, X7   // 0x20 > byte as signed: below 0x20, or 0x80 and above
	PCMPEQB X5, X6   // DEL
	POR  X6, X7
	PMOVMSKB X7, AX
	SHLQ $32, AX
	ORQ  AX, R13     // classes: component | repetition<<16 | outside<<32
	TESTL R11, R11
	JNZ  found
	ORQ  R13, R10

	// One pass of this loop per separator: ANDL sets the flags JNZ
	// tests (7 instructions a separator).
	TESTL R12, R12
	JZ   next

seps:
	BSFL R12, AX
	ADDL R8, AX
	MOVL AX, (DI)(R9*4)
	INCQ R9
	LEAL -1(R12), AX
	ANDL AX, R12
	JNZ  seps

next:
	ADDQ $16, R8
	JMP  loop

found:
	// Keep what is below the first terminator, in the three lanes.
	BSFL R11, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	ANDL AX, R12
	MOVQ AX, R11
	SHLQ $16, R11
	ORQ  R11, AX
	SHLQ $16, R11
	ORQ  R11, AX
	ANDQ AX, R13
	ORQ  R13, R10

	TESTL R12, R12
	JZ   term

lastseps:
	BSFL R12, AX
	ADDL R8, AX
	MOVL AX, (DI)(R9*4)
	INCQ R9
	LEAL -1(R12), AX
	ANDL AX, R12
	JNZ  lastseps

term:
	ADDQ R8, CX
	MOVQ R8, next+48(FP)
	MOVQ CX, term+56(FP)
	MOVQ R9, nseps+64(FP)
	MOVQ R10, classes+72(FP)
	RET

out:
	MOVQ R8, next+48(FP)
	MOVQ $-1, term+56(FP)
	MOVQ R9, nseps+64(FP)
	MOVQ R10, classes+72(FP)
	RET
