using System.Buffers.Binary;
using System.Text;

namespace FaceGen.Runtime;

/// <summary>A minimal reader of the parts of a 64-bit little-endian ELF shared library that decide
/// whether the dynamic linker will accept it: the versions it needs from other libraries
/// (<c>.gnu.version_r</c>), the versions a library defines (<c>.gnu.version_d</c>), which dynamic
/// symbols are bound to which version (<c>.gnu.version</c>), and which symbols relocations use.
/// No library on NuGet reads GNU symbol versioning, hence this small hand-written reader.</summary>
public sealed class ElfFile
{
    const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    /// <summary>vna_flags bit that tells ld.so a missing version is not fatal (elf.h).</summary>
    public const ushort VerFlagWeak = 0x2;

    readonly byte[] bytes;
    readonly List<Section> sections = new();

    public string Path { get; }

    record struct Section(uint Type, long Offset, long Size, uint Link, long EntrySize);

    /// <summary>One entry of <c>.gnu.version_r</c>: a version (e.g. GLIBCXX_3.4.32) needed from a library
    /// (e.g. libstdc++.so.6). <see cref="FlagsOffset"/> is the file offset of its vna_flags field.</summary>
    public sealed record VersionNeed(string Library, string Version, ushort Index, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>A dynamic symbol with its version index (0/1 = unversioned).</summary>
    public sealed record DynamicSymbol(int TableIndex, string Name, ushort VersionIndex, bool IsDefined);

    ElfFile(string path, byte[] bytes)
    {
        Path = path;
        this.bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file.");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file.");
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections.Add(new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), (long)U64(h + 56)));
        }
    }

    public static ElfFile Read(string path) => new(path, File.ReadAllBytes(path));

    public static ElfFile FromBytes(string path, byte[] bytes) => new(path, bytes);

    /// <summary>The file's bytes (a copy).</summary>
    public byte[] ToArray() => (byte[])bytes.Clone();

    /// <summary>Every version this file needs from the libraries it links against.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var s in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = sections[(int)s.Link];
            long vn = s.Offset;
            while (true)
            {
                ushort count = U16(vn + 2);
                string file = Str(strtab, U32(vn + 4));
                long aux = vn + U32(vn + 8);
                for (int i = 0; i < count; i++)
                {
                    result.Add(new VersionNeed(file, Str(strtab, U32(aux + 8)), U16(aux + 6), U16(aux + 4), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>Every version name this file defines (for libstdc++: GLIBCXX_3.4, …, CXXABI_1.3, …).</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = sections[(int)s.Link];
            long vd = s.Offset;
            while (true)
            {
                ushort count = U16(vd + 6);
                long aux = vd + U32(vd + 12);
                for (int i = 0; i < count; i++)
                {
                    result.Add(Str(strtab, U32(aux)));
                    uint nextAux = U32(aux + 4);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(vd + 16);
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    /// <summary>The dynamic symbol table with each symbol's version index.</summary>
    public IReadOnlyList<DynamicSymbol> DynamicSymbols()
    {
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        if (dynsym.Size == 0) return Array.Empty<DynamicSymbol>();
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        var strtab = sections[(int)dynsym.Link];
        int n = (int)(dynsym.Size / 24);
        var result = new List<DynamicSymbol>(n);
        for (int i = 0; i < n; i++)
        {
            long e = dynsym.Offset + 24L * i;
            ushort version = versym.Size == 0 ? (ushort)1 : (ushort)(U16(versym.Offset + 2L * i) & 0x7fff);
            result.Add(new DynamicSymbol(i, Str(strtab, U32(e)), version, U16(e + 6) != 0));
        }
        return result;
    }

    /// <summary>Indices into the dynamic symbol table that some dynamic relocation refers to.</summary>
    public IReadOnlySet<int> RelocatedSymbolIndices()
    {
        var result = new HashSet<int>();
        int dynsymIndex = sections.FindIndex(s => s.Type == ShtDynsym);
        foreach (var s in sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex))
        {
            long entry = s.EntrySize > 0 ? s.EntrySize : (s.Type == ShtRela ? 24 : 16);
            for (long o = s.Offset; o + entry <= s.Offset + s.Size; o += entry)
                result.Add((int)(U64(o + 8) >> 32)); // r_info = (symbol << 32) | type
        }
        return result;
    }

    /// <summary>A copy of this file in which the given needed versions are marked weak (VER_FLG_WEAK):
    /// ld.so then loads the library even when the version is missing. Nothing else changes.</summary>
    public byte[] WithWeakVersions(IEnumerable<VersionNeed> needs)
    {
        var copy = ToArray();
        foreach (var need in needs)
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan((int)need.FlagsOffset), (ushort)(need.Flags | VerFlagWeak));
        return copy;
    }

    ushort U16(long o) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)o));
    uint U32(long o) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)o));
    ulong U64(long o) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)o));

    string Str(Section strtab, uint offset)
    {
        int start = (int)(strtab.Offset + offset), end = start;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, start, end - start);
    }
}
