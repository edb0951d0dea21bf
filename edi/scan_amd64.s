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

// func scanBatch(p *byte, n int, seps *int32, room int, q *qent, qroom int, vec *[6][2]uint64) (nseg int)
//
// See scan_amd64.go. Registers: SI p, BX n, R8 the 16-byte block's
// position, DI seps, R9 separators written, R10 classes of the open
// segment in the blocks before this one, R11-R13 the block's terminators,
// element separators and classes, R14 where the open segment starts, R15
// the next queue entry; AX, CX, DX scratch. The queue's end is kept in
// qroom's slot.
TEXT ·scanBatch(SB), NOSPLIT, $0-64
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), BX
	MOVQ seps+16(FP), DI
	MOVQ q+32(FP), R15
	MOVQ qroom+40(FP), AX
	SHLQ $4, AX
	ADDQ R15, AX
	MOVQ AX, qroom+40(FP) // the queue's end
	MOVQ vec+48(FP), AX
	MOVOU 0(AX), X0
	MOVOU 16(AX), X1
	MOVOU 32(AX), X2
	MOVOU 48(AX), X3
	MOVOU 64(AX), X4
	MOVOU 80(AX), X5
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R14, R14

bloop:
	// 16 bytes left, and room for 16 separators?
	LEAQ 16(R8), AX
	CMPQ AX, BX
	JGT  bdone
	MOVQ room+24(FP), AX
	SUBQ R9, AX
	CMPQ AX, $16
	JLT  bdone
	MOVOU (SI)(R8*1), X6
	MOVO X6, X7
	PCMPEQB X0, X7
	PMOVMSKB X7, R11 // terminators
	MOVO X6, X8
	PCMPEQB X1, X8
	PMOVMSKB X8, R12 // element separators
	MOVO X6, X8
	PCMPEQB X2, X8
	PMOVMSKB X8, R13 // component separators
	MOVO X6, X8
	PCMPEQB X3, X8
	PMOVMSKB X8, AX  // repetition separators
	SHLQ $16, AX
	ORQ  AX, R13
	MOVO X4, X8
	PCMPGTB X6, X8   // 0x20 > byte as signed: below 0x20, or 0x80 and above
	PCMPEQB X5, X6   // DEL
	POR  X6, X8
	PANDN X8, X7     // outside the character sets, terminators aside
	PMOVMSKB X7, AX
	SHLQ $32, AX
	ORQ  AX, R13     // classes: component | repetition<<16 | outside<<32
	TESTL R11, R11
	JNZ  bterm
	ORQ  R13, R10

brest:
	// The block's element separators left belong to the open segment.
	TESTL R12, R12
	JZ   bnext
	MOVQ R8, CX
	SUBQ R14, CX

bseps:
	BSFL R12, AX
	ADDL CX, AX
	MOVL AX, (DI)(R9*4)
	INCQ R9
	LEAL -1(R12), AX
	ANDL AX, R12
	JNZ  bseps

bnext:
	ADDQ $16, R8
	JMP  bloop

bterm:
	// The lowest terminator left, at bit CX, ends the open segment.
	BSFL R11, CX

btseps:
	// Its element separators: those of R12 below CX.
	BSFL R12, AX
	JZ   btend
	CMPL AX, CX
	JGT  btend
	ADDL R8, AX
	SUBL R14, AX
	MOVL AX, (DI)(R9*4)
	INCQ R9
	LEAL -1(R12), AX
	ANDL AX, R12
	JMP  btseps

btend:
	LEAQ (R8)(CX*1), AX
	MOVL AX, 0(R15) // qent.term
	SUBQ R14, AX
	MOVL AX, (DI)(R9*4) // the last separator: the segment's length
	INCQ R9
	MOVL R9, 4(R15) // qent.sepsEnd
	// m3: bits 0..CX in each of the three class lanes.
	MOVL $2, DX
	SHLL CX, DX
	DECL DX
	MOVQ DX, AX
	SHLQ $16, AX
	ORQ  AX, DX
	SHLQ $16, AX
	ORQ  AX, DX
	MOVQ R13, AX
	ANDQ DX, AX  // the segment's classes in this block
	XORQ AX, R13 // the rest of the block's
	ORQ  R10, AX
	XORQ R10, R10
	MOVL $1, DX // flagScanned
	TESTL $0xFFFF, AX
	JZ   2(PC)
	ORL  $2, DX // flagComps
	TESTL $0xFFFF0000, AX
	JZ   2(PC)
	ORL  $4, DX // flagReps
	SHRQ $32, AX
	JZ   2(PC)
	ORL  $8, DX // flagCtrl
	MOVL DX, 8(R15)
	ADDQ $16, R15
	LEAL -1(R11), AX
	ANDL AX, R11
	LEAQ 1(R8)(CX*1), R14
	CMPQ R15, qroom+40(FP)
	JAE  bdone
	// Stop before a segment the caller reads itself: after layout bytes
	// (CR, LF) or at an ISA (new delimiters).
	CMPQ R14, BX
	JAE  btnext
	MOVBLZX (SI)(R14*1), AX
	CMPB AL, $0x0D
	JEQ  bdone
	CMPB AL, $0x0A
	JEQ  bdone
	CMPB AL, $0x49 // 'I'
	JNE  btnext
	LEAQ 2(R14), AX
	CMPQ AX, BX
	JAE  bdone
	CMPB 1(SI)(R14*1), $0x53 // 'S'
	JNE  btnext
	CMPB 2(SI)(R14*1), $0x41 // 'A'
	JEQ  bdone

btnext:
	TESTL R11, R11
	JNZ  bterm
	ORQ  R13, R10
	JMP  brest

bdone:
	SUBQ q+32(FP), R15
	SHRQ $4, R15
	MOVQ R15, nseg+56(FP)
	RET
