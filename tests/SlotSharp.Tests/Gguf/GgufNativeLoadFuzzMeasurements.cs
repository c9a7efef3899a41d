using System.Diagnostics;
using SlotSharp.Gguf;
using Xunit.Abstractions;
using static SlotSharp.Tests.Gguf.GgufMetadataEdit;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// A measurement recorded in docs/reliability.md, not a check (runs only with SLOTSHARP_GGUF_NATIVE_FUZZ=N, N files):
/// the fuzz harness's GGUF format never reaches llama.cpp, so here mutated metadata of the converted tiny-qwen2 and
/// stories260K files goes through `slot generate` (LlamaCppBackend.Load, the vocabulary load and one decode step) in a
/// child process with GGML_NO_BACKTRACE=1, two at a time. Exit 0 (llama.cpp ran it) and 2 (refused, one line) are
/// fine; 134 (SIGABRT), 136 (SIGFPE), 139 (SIGSEGV), a timeout or any other code is a finding, kept under
/// SLOTSHARP_GGUF_NATIVE_FUZZ_KEEP (default: the temp folder, printed). SLOTSHARP_GGUF_NATIVE_FUZZ_SEED picks the seed (19).
/// Command: SLOTSHARP_GGUF_NATIVE_FUZZ=2000 dotnet test tests/SlotSharp.Tests -c Release --no-build
/// --filter "FullyQualifiedName~GgufNativeLoadFuzzMeasurements" --logger "console;verbosity=detailed"
/// </summary>
public sealed class GgufNativeLoadFuzzMeasurements(ConvertedModels models, ITestOutputHelper output) : IClassFixture<ConvertedModels>
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Keys that may be absent from the seeds but that llama.cpp reads ("." = the architecture's prefix).
    static readonly string[] ExtraKeys =
    [
        ".expert_count", ".expert_used_count", ".expert_group_count", ".expert_group_used_count", ".rope.scaling.type",
        ".rope.scaling.factor", ".rope.scaling.attn_factor", ".rope.scaling.original_context_length", ".attention.layer_norm_epsilon",
        ".vocab_size", ".attention.key_length", ".attention.value_length", ".rope.dimension_count",
        "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.seperator_token_id",
        "tokenizer.ggml.eot_token_id", "tokenizer.ggml.pre", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_space_prefix",
    ];

    static readonly uint[] U32s = [0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 511, 512, 513, 65535, 1u << 20, int.MaxValue, 1u << 31, uint.MaxValue];
    static readonly float[] F32s = [0, -0f, -1, 1, 1e-30f, 1e30f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, 0.5f, 1e6f];
    static readonly string[] Strs = ["", "llama", "gpt2", "bert", "none", "no_vocab", "t5", "rwkv", "linear", "yarn", "none", "cubic", "qwen2", "default", "\u00e9\u0000x"];

    [SkippableFact]
    public void MutatedMetadataThroughTheRealNativeLoad()
    {
        var count = Environment.GetEnvironmentVariable("SLOTSHARP_GGUF_NATIVE_FUZZ");
        Skip.If(string.IsNullOrEmpty(count), "set SLOTSHARP_GGUF_NATIVE_FUZZ=N to run N mutated files through llama.cpp");
        int n = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SLOTSHARP_GGUF_NATIVE_FUZZ_SEED"), out var s) ? s : 19;
        var keep = Environment.GetEnvironmentVariable("SLOTSHARP_GGUF_NATIVE_FUZZ_KEEP") is { Length: > 0 } k ? k
            : Directory.CreateTempSubdirectory("slotsharp-gguf-native-findings-").FullName;
        Directory.CreateDirectory(keep);
        var scratch = Directory.CreateTempSubdirectory("slotsharp-gguf-native-").FullName;
        var seeds = new[] { "tiny-qwen2", "stories260K" }.Select(m =>
        {
            var path = models.F32(m);
            using var f = GgufFile.Open(path);
            return (Path: path, Header: f.Header, Arch: f.Header.String("general.architecture")!);
        }).ToArray();

        var codes = new Dictionary<string, int>();
        var findings = new List<string>();
        var gate = new Lock();
        var clock = Stopwatch.StartNew();
        try
        {
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                var rng = new Random(HashCode.Combine(seed, i));
                var (source, header, arch) = seeds[i % seeds.Length];
                var edit = new GgufMetadataEdit(source);
                var changes = new List<string>();
                int edits = 1 + rng.Next(3);
                for (int e = 0; e < edits; e++) changes.Add(Mutate(rng, edit, header, arch));
                var file = Path.Combine(scratch, $"{i}.gguf");
                edit.WriteTo(file);
                var (code, stderr) = Run(file);
                var outcome = code switch { 0 => "0 (ran)", 2 => "2 (refused)", -1 => "timeout", _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                lock (gate)
                {
                    codes[outcome] = codes.GetValueOrDefault(outcome) + 1;
                    if (code is not (0 or 2))
                    {
                        var kept = Path.Combine(keep, $"{i}-exit{code}.gguf");
                        File.Copy(file, kept, overwrite: true);
                        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                        findings.Add($"{kept}: exit {code}; {string.Join("; ", changes)}; {last}");
                    }
                }
                File.Delete(file);
            });
        }
        finally { Directory.Delete(scratch, recursive: true); }
        output.WriteLine($"{n} mutated files (seed {seed}) in {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var (outcome, c) in codes.OrderBy(x => x.Key, StringComparer.Ordinal)) output.WriteLine($"  exit {outcome}: {c}");
        foreach (var f in findings) output.WriteLine(f);
        Assert.True(findings.Count == 0, $"{findings.Count} files ended the process other than with 0 or 2 (kept in {keep})");
    }

    static (int Code, string Err) Run(string file)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "slot.dll"));
        foreach (var a in new[] { "generate", "--model", file, "--prompt-ids", "1,2,3", "--max-new-tokens", "2", "--threads", "1", "--context", "64" })
            start.ArgumentList.Add(a);
        start.Environment["GGML_NO_BACKTRACE"] = "1";
        start.Environment.Remove("HF_TOKEN");
        start.Environment["HF_HUB_OFFLINE"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, stderr.Result);
        }
        p.WaitForExit();
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result);
    }

    /// <summary>One change to the file's metadata; returns what it did.</summary>
    static string Mutate(Random rng, GgufMetadataEdit edit, GgufHeader header, string arch)
    {
        var keys = edit.Keys.Where(k => k != "general.architecture").ToList();
        string key = rng.Next(4) == 0 ? ExtraKeys[rng.Next(ExtraKeys.Length)] : keys[rng.Next(keys.Count)];
        if (key.StartsWith('.')) key = arch + key;
        var tokens = GgufTokenizerMetadata.Tokens(header)!;
        int layers = (int)header.Integer(arch + ".block_count")!.Value;
        // The vocabulary arrays get structural edits most of the time, the rest any value.
        if (key == "tokenizer.ggml.tokens" && rng.Next(4) != 0)
        {
            var t = tokens.ToArray();
            int a = rng.Next(t.Length), b = rng.Next(t.Length);
            switch (rng.Next(4))
            {
                case 0: t[a] = t[b]; edit.Set(key, Strings(t)); return $"{key}[{a}] = [{b}]";
                case 1: t[a] = ""; edit.Set(key, Strings(t)); return $"{key}[{a}] = \"\"";
                case 2: edit.Set(key, Strings(t[..a])); return $"{key} cut to {a}";
                default: edit.Set(key, Strings([.. t, .. t[..(1 + b % 8)]])); return $"{key} + {1 + b % 8} repeats";
            }
        }
        if (key is "tokenizer.ggml.scores" or "tokenizer.ggml.token_type" or "tokenizer.ggml.merges" && rng.Next(2) == 0)
        {
            int len = rng.Next(tokens.Length + 2);
            edit.Set(key, key.EndsWith("scores", StringComparison.Ordinal) ? Float32s(new float[len])
                : key.EndsWith("type", StringComparison.Ordinal) ? Int32s(Enumerable.Range(0, len).Select(_ => rng.Next(-1, 8)).ToArray())
                : Strings(tokens.Take(len).ToArray()));
            return $"{key} with {len} entries";
        }
        switch (rng.Next(11))
        {
            case 0: edit.Remove(key); return $"{key} removed";
            case 1: case 2: case 3: { var v = U32s[rng.Next(U32s.Length)]; edit.Set(key, U32(v)); return $"{key} = u32 {v}"; }
            case 4: { int v = rng.Next(2) == 0 ? -1 : int.MinValue; edit.Set(key, I32(v)); return $"{key} = i32 {v}"; }
            case 5: { ulong v = rng.Next(3) switch { 0 => 1UL << 32, 1 => 1UL << 63, _ => ulong.MaxValue }; edit.Set(key, U64(v)); return $"{key} = u64 {v}"; }
            case 6: case 7: { var v = F32s[rng.Next(F32s.Length)]; edit.Set(key, F32(v)); return $"{key} = f32 {v}"; }
            case 8: { var v = Strs[rng.Next(Strs.Length)]; edit.Set(key, Str(v)); return $"{key} = \"{v}\""; }
            case 9: { bool v = rng.Next(2) == 0; edit.Set(key, Bool(v)); return $"{key} = {v}"; }
            default:
            {
                int len = rng.Next(3) == 0 ? layers : rng.Next(4);
                var v = Enumerable.Range(0, len).Select(_ => U32s[rng.Next(6)]).ToArray();
                edit.Set(key, UInt32s(v));
                return $"{key} = u32[{string.Join(",", v)}]";
            }
        }
    }
}
