using System.Globalization;
using System.Text.RegularExpressions;

namespace SlotSharp.Backends;

/// <summary>
/// The one rule that picks a GGUF file among several, for a local folder (<see cref="ModelLocator"/>) and for a Hub
/// repository's file list (<see cref="Hub.ModelFiles"/>) alike: the named file, else the only one, else the file whose
/// name holds Q8_0, else Q4_K_M (case-insensitive), else an error listing the choices.
/// </summary>
internal static partial class GgufSelection
{
    /// <summary>Quantizations preferred, in order, when several GGUF files exist and none is named.</summary>
    public static readonly IReadOnlyList<string> PreferredQuantizations = ["q8_0", "q4_k_m"];

    public static bool IsGguf(string path) => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One GGUF file of <paramref name="files"/> (names or repository paths with '/'; other files are ignored).
    /// A name matches a path exactly or its file name; case is ignored only when nothing matches exactly.
    /// </summary>
    /// <param name="where">The folder or repository, for messages.</param>
    public static string Choose(string where, IReadOnlyCollection<string> files, string? name)
    {
        var ggufs = files.Where(IsGguf).Order(StringComparer.Ordinal).ToList();
        var models = ggufs.Where(f => SplitPart(f) is not { Part: > 1 }).ToList(); // a split model counts once
        if (name != null) return RequireSingleFile(where, Named(where, ggufs, name), models);
        if (models.Count == 0) throw new SlotSharpException($"{where} holds no .gguf file");
        if (models.Count == 1) return RequireSingleFile(where, models[0], models);
        foreach (var quant in PreferredQuantizations)
        {
            var matches = models.Where(f => FileName(f).Contains(quant, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1) return RequireSingleFile(where, matches[0], models);
            if (matches.Count > 1)
                throw new SlotSharpException($"{where} holds several {quant.ToUpperInvariant()} GGUF files ({Describe(matches)}); name one");
        }
        throw new SlotSharpException($"{where} holds several GGUF files and none is " +
            $"{string.Join(" or ", PreferredQuantizations.Select(q => q.ToUpperInvariant()))}; name one ({Describe(models)})");
    }

    static string Named(string where, List<string> ggufs, string name)
    {
        var exact = ggufs.Where(f => f == name || FileName(f) == name).ToList();
        var matches = exact.Count > 0 ? exact : ggufs.Where(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase)
                                                                 || string.Equals(FileName(f), name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SlotSharpException($"{where} has no GGUF file '{name}' (it has: {List(ggufs)})"),
            _ => throw new SlotSharpException($"{where} has several GGUF files named '{name}' ({List(matches)}); give the path"),
        };
    }

    /// <summary>
    /// Split models (llama.cpp's -00001-of-0000N.gguf) are refused: llama.cpp would load them from the first part, but
    /// SLOT reads the output weight W from the file itself and the GGUF reader opens one file.
    /// </summary>
    static string RequireSingleFile(string where, string chosen, List<string> models)
    {
        if (SplitPart(chosen) is not { } split) return chosen;
        throw new SlotSharpException($"{where}: '{chosen}' is part of a GGUF model split into {split.Count} files, which " +
            "SlotSharp does not load (it reads the output weight from one file); merge the parts with llama.cpp's " +
            "`llama-gguf-split --merge`" + (models.Count > 1 ? $", or name another file ({Describe(models.Where(f => f != chosen).ToList())})" : ""));
    }

    /// <summary>Part k of n for llama.cpp's split naming (NAME-00001-of-00003.gguf), else null.</summary>
    public static (int Part, int Count)? SplitPart(string path)
    {
        var m = SplitPattern().Match(FileName(path));
        return m.Success ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) : null;
    }

    static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    static string Describe(List<string> models) => List(models.Select(f => SplitPart(f) is { } s
        ? $"{f} ({s.Count} parts)" : f).ToList());

    static string List(IReadOnlyList<string> files) => files.Count == 0 ? "none" : string.Join(", ", files);

    [GeneratedRegex(@"-(\d{5})-of-(\d{5})\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitPattern();
}
