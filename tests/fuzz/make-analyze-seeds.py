# SPDX-License-Identifier: GPL-2.0-only
"""Writes the hand-made seeds of tests/fuzz/corpus/analyze/.

Usage: python3 tests/fuzz/make-analyze-seeds.py tests/fuzz/corpus/analyze

fdev-*.bin: streams of the harness's own "fdev" description (every field
kind, a variable array of structs with a nested subsection, a version
gate, footers); full-small.bin: a small full-shape stream (configuration,
RAM START/PART/END with zero and whole pages, footers, a trailing
VMDESCRIPTION); json-prefixed.bin: a VMDESCRIPTION, a NUL, and a stream it
describes (array_len, indexed struct elements with a subsection, a tmp
field, an unknown type).  The other seeds are copies of tests/vectors.
"""
import struct, json, sys
C=sys.argv[1]+'/'
def hdr(): return b'QEVM'+struct.pack('>I',3)
def full(sid, idstr, inst, ver, body, footer=False):
    b=bytes([4])+struct.pack('>IB',sid,len(idstr))+idstr.encode()+struct.pack('>II',inst,ver)+body
    if footer: b+=b'\x7e'+struct.pack('>I',sid)
    return b
def sub(name, ver, body): return bytes([5,len(name)])+name.encode()+struct.pack('>I',ver)+body
inner=lambda a,b,x=None: bytes([a])+struct.pack('>H',b)+(sub('finner/x',1,bytes([x])) if x is not None else b'')
head=bytes([0x81])+struct.pack('>h',-5)+b'\x01'+b'\x00'+b'\x03abc'+struct.pack('>I',2)+inner(1,2,9)+inner(3,4)+struct.pack('>q',-1)
tail=sub('fdev/sub',1,struct.pack('>Q',2**64-2))
open(C+'fdev-v2.bin','wb').write(hdr()+full(3,'fdev',0,2,head+b'\x07'+tail)+b'\x00')
open(C+'fdev-v1-footer.bin','wb').write(hdr()+full(3,'fdev',0,1,head+tail,True)+b'\x00')
cfg=b'\x07'+struct.pack('>I',13)+b'pc-i440fx-7.2'
blocks=[('pc.ram',8192),('rom',4096)]
total=sum(l for _,l in blocks)
start=bytes([1])+struct.pack('>IB',2,3)+b'ram'+struct.pack('>II',0,4)+struct.pack('>Q',total|4)
for n,l in blocks: start+=bytes([len(n)])+n.encode()+struct.pack('>Q',l)
start+=struct.pack('>Q',0x10)+b'\x7e'+struct.pack('>I',2)
part=bytes([2])+struct.pack('>I',2)+struct.pack('>Q',0|0x02)+bytes([6])+b'pc.ram'+b'\x00'
part+=struct.pack('>Q',4096|0x08|0x20)+bytes(range(256))*16
part+=struct.pack('>Q',0|0x02)+bytes([3])+b'rom'+b'\x11'
part+=struct.pack('>Q',0x10)+b'\x7e'+struct.pack('>I',2)
end=bytes([3])+struct.pack('>I',2)+struct.pack('>Q',0x10)+b'\x7e'+struct.pack('>I',2)
timer=full(0,'timer',0,2,struct.pack('>q',5)+bytes(8)+struct.pack('>q',-7),True)
desc=json.dumps({"page_size":4096,"devices":[{"name":"timer","instance_id":0,"vmsd_name":"timer","version":2,"fields":[{"name":"cpu_ticks_offset","type":"int64","size":8},{"name":"unused","type":"unused_buffer","size":8},{"name":"cpu_clock_offset","type":"int64","size":8}]}]},separators=(',',':')).encode()
s=hdr()+cfg+start+part+end+timer+b'\x00'+b'\x06'+struct.pack('>I',len(desc))+desc
open(C+'full-small.bin','wb').write(s)
d2={"devices":[{"name":"dev","instance_id":0,"vmsd_name":"dev","version":1,"fields":[
 {"name":"a","type":"uint32","size":4,"array_len":3},
 {"name":"s","index":0,"type":"struct","struct":{"vmsd_name":"el","version":1,"fields":[{"name":"x","type":"uint8","size":1}],"subsections":[{"vmsd_name":"el/y","version":1,"fields":[{"name":"y","type":"bool","size":1}]}]},"size":1},
 {"name":"s","index":1,"type":"struct","struct":{"vmsd_name":"el","version":1,"fields":[{"name":"x","type":"uint8","size":1}]},"size":1},
 {"name":"tmp","type":"tmp","vmsd_name":"t","version":0,"fields":[{"name":"m","type":"int16","size":2}],"size":2},
 {"name":"raw","type":"pci irq state","size":16}]}]}
body=struct.pack('>III',1,2,3)+b'\x05'+sub('el/y',1,b'\x01')+b'\x06'+struct.pack('>h',-2)+bytes(16)
open(C+'json-prefixed.bin','wb').write(json.dumps(d2).encode()+b'\x00'+hdr()+full(1,'dev',0,1,body)+b'\x00')
# the stream part alone, for checking with the CLI
open(C+'../json-prefixed.stream','wb').write(hdr()+full(1,'dev',0,1,body)+b'\x00')
open(C+'../json-prefixed.json','wb').write(json.dumps(d2).encode())
