using System.Buffers.Binary;
using System.Text;

namespace SlotSharp.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared object as weak
/// (VER_FLG_WEAK in its Vernaux entry of .gnu.version_r). The dynamic loader then accepts a
/// libstdc++ that lacks that version; only calls to symbols bound to it would fail.
/// Why: TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 for a single symbol,
/// std::ios_base_library_init, that it never calls; Debian 12 and Ubuntu 22.04 ship an older libstdc++.
/// </summary>
internal static class ElfVersionPatcher
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public enum Result { Patched, AlreadyWeak, NotRequired }

    /// <summary>Finds the requirement named <paramref name="version"/>; sets the weak flag in <paramref name="image"/>.</summary>
    public static Result MarkWeak(byte[] image, string version)
    {
        var span = image.AsSpan();
        if (span.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        for (int i = 0; i < shnum; i++)
        {
            var sh = Slice(span, shoff + (ulong)(i * shentsize), 64);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info = number of Verneed entries
            var strtab = Slice(span, shoff + (ulong)(link * shentsize), 64);
            ulong strOffset = BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);

            ulong need = offset;
            for (uint n = 0; n < count; n++)
            {
                var vn = Slice(span, need, 16);
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(vn[2..]);
                ulong aux = need + BinaryPrimitives.ReadUInt32LittleEndian(vn[8..]);
                for (int a = 0; a < auxCount; a++)
                {
                    var vna = Slice(span, aux, 16);
                    uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(vna[8..]);
                    if (ReadCString(span, strOffset + nameOff) == version)
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(vna[4..]);
                        if ((flags & VerFlgWeak) != 0) return Result.AlreadyWeak;
                        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan((int)aux + 4), (ushort)(flags | VerFlgWeak));
                        return Result.Patched;
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(vna[12..]);
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(vn[12..]);
                if (next == 0) break;
                need += next;
            }
        }
        return Result.NotRequired;
    }

    static Span<byte> Slice(Span<byte> span, ulong offset, int length)
    {
        if (offset + (ulong)length > (ulong)span.Length) throw new InvalidDataException($"ELF structure at offset {offset} lies outside the file");
        return span.Slice((int)offset, length);
    }

    static string ReadCString(Span<byte> span, ulong offset)
    {
        if (offset >= (ulong)span.Length) throw new InvalidDataException($"ELF string at offset {offset} lies outside the file");
        var rest = span[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
    }
}
