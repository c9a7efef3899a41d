using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using SlotSharp.Backends;
using SlotSharp.Checkpoints;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Gguf;
using SlotSharp.Models;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench gguf`: the llama.cpp backend on a random-weight model with Qwen2.5-0.5B's shape, converted by
/// `slot convert` to each GGUF type. Per type: prefill and single-stream decode tokens/s against the bandwidth floor
/// of the file's weights, SLOT on / off decode ratio, the SLOT prompt stage at a long prompt, and aggregate decode
/// tokens/s with several sequences in one batch. Needs a Qwen2.5 tokenizer folder (llama.cpp loads no GGUF without one).
/// Everything runs as the product runs it: the model loaded by SlotModel.Load, every request through a SlotEngine.
/// </summary>
internal static class BenchGgufCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with Qwen2.5's tokenizer.json (e.g. ../shared/tokenizers/qwen2.5), for the random model" };
        var models = new Option<string?>("--model") { Description = "Comma-separated GGUF files to measure instead of the random model (this process then never loads libtorch)" };
        var types = new Option<string>("--types") { Description = "GGUF types to measure", DefaultValueFactory = _ => "f32,bf16,q8_0,q4_k_m" };
        var work = new Option<string?>("--work") { Description = "Folder for the random checkpoint and its GGUF files (kept; reused when present). Default: a temp folder, deleted" };
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prefill length", DefaultValueFactory = _ => 128 };
        var decode = new Option<int>("--decode-tokens") { Description = "Decode steps to time per stream", DefaultValueFactory = _ => 32 };
        var slotPrompt = new Option<string>("--slot-prompt-tokens") { Description = "Prompt lengths of the SLOT prompt-stage timing", DefaultValueFactory = _ => "64,300" };
        var slotStaged = new Option<string>("--slot-staged") { Description = "SLOT requests staged together (their steps share the passes over W)", DefaultValueFactory = _ => "1,4" };
        var batches = new Option<string>("--batch") { Description = "Sequence counts for the aggregate decode", DefaultValueFactory = _ => "1,4,8,16" };
        var threads = new Option<int>("--threads") { Description = "llama.cpp threads (0 = all cores)" };
        var ompWait = new Option<string?>("--omp-wait") { Description = "llama.cpp's OpenMP wait: passive, active or spin-then-sleep (default: OMP_WAIT_POLICY/GOMP_SPINCOUNT when set, else passive)" };
        var parts = new Option<string>("--parts") { Description = "What to measure: single (prefill, single-stream decode, SLOT), batch (aggregate decode), constrained (JSON Schema decoding against plain)", DefaultValueFactory = _ => "single,batch" };
        var cmd = new Command("gguf", "llama.cpp backend throughput on a Qwen2.5-0.5B-shaped random model, per GGUF type");
        foreach (var o in new Option[] { tokenizer, models, types, work, prompt, decode, slotPrompt, slotStaged, batches, threads, ompWait, parts }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var sizes = Counts(r.GetValue(batches)!, "--batch", 64);
            var slotLengths = Counts(r.GetValue(slotPrompt)!, "--slot-prompt-tokens", 32768);
            var staged = Counts(r.GetValue(slotStaged)!, "--slot-staged", 64);
            var what = r.GetValue(parts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            if (what.FirstOrDefault(p => p is not ("single" or "batch" or "constrained")) is { } badPart) throw new UserInputException($"--parts: '{badPart}' is not single, batch or constrained");
            var wait = ModelOptions.ParseOmpWait(r.GetValue(ompWait));
            var settings = new Settings(0, r.GetValue(prompt), r.GetValue(decode), slotLengths, staged, sizes,
                r.GetValue(threads), what.Contains("single"), what.Contains("batch"), wait) { Constrained = what.Contains("constrained") };
            if (r.GetValue(models) is { } files)
            {
                var paths = files.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (paths.FirstOrDefault(f => !File.Exists(f)) is { } missing) throw new UserInputException($"--model: '{missing}' does not exist");
                MeasureFiles(paths.Select(f => (f, Path.GetFileNameWithoutExtension(f))).ToList(), settings);
                return 0;
            }
            var tok = r.GetValue(tokenizer) ?? throw new UserInputException("--tokenizer is required for the random model (or give --model)");
            if (!File.Exists(Path.Combine(tok, "tokenizer.json"))) throw new UserInputException($"--tokenizer: '{tok}' has no tokenizer.json");
            var fileTypes = r.GetValue(types)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => GgufFileType.Parse(t, "--types")).ToList();
            string? keep = r.GetValue(work);
            string dir = keep ?? Directory.CreateTempSubdirectory("slot-bench-gguf-").FullName;
            try
            {
                // First: the converter's quantizer loads llama.cpp too, and with it its OpenMP wait.
                SlotSharp.LlamaCpp.LlamaCppRuntime.EnsureLoaded(wait);
                MeasureFiles(RandomFiles(dir, tok, fileTypes, r.GetValue(threads)), settings);
            }
            finally { if (keep == null) Directory.Delete(dir, recursive: true); }
            return 0;
        });
        return cmd;
    }

    static List<int> Counts(string list, string flag, int max) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.TryParse(s, out var v) && v > 0 && v <= max
            ? v : throw new UserInputException($"{flag}: '{s}' is not a count in 1..{max}"))];

    /// <summary>
    /// The random model's GGUF files, made on first use. Its own method, never inlined: writing the random checkpoint
    /// takes libtorch, which a run on given files must not load (its OpenMP would then be llama.cpp's too).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static List<(string Path, string Name)> RandomFiles(string dir, string tokenizer, List<GgufFileType> types, int threads)
    {
        var folder = WriteRandomCheckpoint(dir, tokenizer);
        return [.. types.Select(t => (RandomGguf(folder, t, threads), t.Name))];
    }

    static void MeasureFiles(List<(string Path, string Name)> files, Settings settings)
    {
        double bandwidth = ReadBandwidth();
        ResetPeakRss(); // the probe's 1 GB buffer is not the model's
        Console.WriteLine($"CPU: {SlotSharp.Runtime.CpuFeatures.ModelName}; llama.cpp threads {(settings.Threads == 0 ? Environment.ProcessorCount : settings.Threads)}; " +
            $"large-read bandwidth {bandwidth / 1e9:F2} GB/s; load average {LoadAverage()}");
        SlotSharp.LlamaCpp.LlamaCppRuntime.EnsureLoaded(settings.Wait);
        Console.WriteLine($"llama.cpp OpenMP wait: {SlotSharp.LlamaCpp.LlamaCppRuntime.Wait?.ToString() ?? "not applicable on this OS"}");
        foreach (var (path, name) in files) Measure(path, name, settings with { Bandwidth = bandwidth });
        Console.WriteLine($"peak RSS {PeakRssMb():F0} MB; load average {LoadAverage()}");
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Starts VmHWM over from the current resident set (Linux: "5" to /proc/self/clear_refs); a no-op elsewhere.</summary>
    static void ResetPeakRss()
    {
        try { if (File.Exists("/proc/self/clear_refs")) File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>This process's peak resident set (VmHWM) since the bandwidth probe, MB; NaN where /proc is absent.</summary>
    static double PeakRssMb()
    {
        if (!File.Exists("/proc/self/status")) return double.NaN;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    sealed record Settings(double Bandwidth, int PromptTokens, int DecodeTokens, List<int> SlotTokens, List<int> SlotStaged, List<int> BatchSizes,
        int Threads, bool Single, bool Batch, OpenMpWait? Wait)
    {
        public bool Constrained { get; init; }
    }

    static void Measure(string path, string type, Settings settings)
    {
        var (bandwidth, promptTokens, decodeTokens, slotLengths, slotStaged, batchSizes, threads, single, batch, wait) = settings;
        int slotTokens = slotLengths.Max();
        int maxSeq = Math.Max(batchSizes.Max(), slotStaged.Max());
        // The engine reserves prompt + max_new_tokens cells per running request; the batched requests decode
        // decode-tokens + k tokens each (see MeasureBatches), the single-stream ones one at a time.
        int longest = Math.Max(promptTokens + decodeTokens + 1, slotStaged.Max() * (slotTokens + 1));
        using var model = SlotModel.Load(path, new ModelLoadOptions
        {
            Backend = BackendKind.LlamaCpp, Threads = threads,
            LlamaCpp = new LlamaCppOptions { ContextSize = longest + maxSeq * (16 + decodeTokens + maxSeq) + 64, MaxSequences = maxSeq, OpenMpWait = wait },
        });
        // One prefill chunk per prompt (the llama.cpp batch size still caps it), as a whole-prompt prefill.
        using var engine = new SlotEngine(model, new EngineOptions
        {
            MaxRunning = maxSeq, PrefillChunkTokens = Math.Max(EngineOptions.DefaultPrefillChunkTokens, Math.Max(promptTokens, slotTokens)),
        });
        var rng = new Random(1);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(1000, 100000)).ToArray();
        // Greedy, no stop ids and past the eos ids: every step runs.
        EngineRequest Request(int[] ids, int newTokens) => new(ids) { Generation = new GenerationOptions { MaxNewTokens = newTokens }, IgnoreEos = true };

        engine.Generate(Request(Ids(8), 4)).ThrowIfFailed();
        if (single) MeasureSingle(engine, path, type, bandwidth, promptTokens, decodeTokens, Ids, Request, rng);
        if (single) MeasureSlotStages(engine, type, slotLengths, slotStaged, Ids, Request);
        if (batch) MeasureBatches(engine, type, decodeTokens, batchSizes, Ids, Request);
        if (settings.Constrained) BenchConstrained.Measure(engine, type, decodeTokens, batchSizes.Max(), Ids);
    }

    static void MeasureSingle(SlotEngine engine, string path, string type, double bandwidth, int promptTokens, int decodeTokens,
        Func<int, int[]> Ids, Func<int[], int, EngineRequest> Request, Random rng)
    {
        var prompt = Ids(promptTokens);
        // SLOT on: a loaded delta, so decoding adds b = W delta to every row as after a prompt stage.
        var delta = new float[engine.Model.HiddenSize];
        for (int i = 0; i < delta.Length; i++) delta[i] = (float)(rng.NextDouble() - 0.5) * 1e-3f;
        // Alternating requests, best of three each: a shared machine's load drifts between runs. Each request
        // prefills the same prompt; the prefill figure is the fastest of the three plain ones (as llama-bench's -r).
        double offTps = 0, onTps = 0, prefillMs = double.NaN;
        for (int round = 0; round < 3; round++)
        {
            var off = engine.Generate(Request(prompt, decodeTokens + 1)).ThrowIfFailed();
            prefillMs = round == 0 ? off.Timings.PrefillMs : Math.Min(prefillMs, off.Timings.PrefillMs);
            offTps = Math.Max(offTps, off.DecodeTokensPerSecond);
            onTps = Math.Max(onTps, engine.Generate(Request(prompt, decodeTokens + 1) with { LoadedDelta = delta }).ThrowIfFailed().DecodeTokensPerSecond);
        }

        long weightBytes;
        using (var file = GgufFile.Open(path))
            weightBytes = file.Header.Tensors.Where(t => t.Name != "token_embd.weight" || file.Find("output.weight") == null).Sum(t => t.ByteLength);
        // Decode reads every weight once per token: tokens/s x weight bytes is the read bandwidth it achieves.
        double floorTps = bandwidth / weightBytes;
        Console.WriteLine($"[{type}] {new FileInfo(path).Length / 1e6:F0} MB; prefill {promptTokens}: {promptTokens / (prefillMs / 1000):F1} tokens/s; " +
            $"decode {offTps:F2} tokens/s = {offTps * weightBytes / 1e9:F1} GB/s of weights (read-bandwidth floor {floorTps:F2} tokens/s, {floorTps / offTps:F2}x); " +
            $"SLOT on {onTps:F2} tokens/s (on/off {onTps / offTps:F3})");
    }

    /// <summary>
    /// The SLOT prompt stage as the engine runs it (its start and five optimizer steps, one per engine step), for k
    /// requests submitted together, whose steps share their passes over W: the mean of their stage times and the
    /// wall time until the last one's first token. Best of two rounds.
    /// </summary>
    static void MeasureSlotStages(SlotEngine engine, string type, List<int> lengths, List<int> staged, Func<int, int[]> Ids,
        Func<int[], int, EngineRequest> Request)
    {
        foreach (int t in lengths)
            foreach (int k in staged)
            {
                double bestMean = double.MaxValue, bestWall = double.MaxValue;
                for (int round = 0; round < 2; round++)
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var handles = Enumerable.Range(0, k).Select(_ => engine.Submit(Request(Ids(t), 1) with { Slot = new SlotOptions { Times = 5, Lr = 0.1 } })).ToList();
                    var results = handles.Select(h => h.Completion.GetAwaiter().GetResult().ThrowIfFailed()).ToList();
                    bestWall = Math.Min(bestWall, clock.Elapsed.TotalMilliseconds);
                    bestMean = Math.Min(bestMean, results.Average(x => x.Timings.SlotStageMs));
                }
                Console.WriteLine($"[{type}] SLOT prompt stage T={t}, times 5, k={k} together: {bestMean:F0} ms per request (stage time), {bestWall:F0} ms wall for all k (prefills included)");
            }
    }

    /// <summary>
    /// k requests submitted together. The engine admits one per step (one prefill chunk each), so the batch fills over
    /// k steps: each request generates decode-tokens + k tokens, and the figure is the full batch's, from the step the
    /// last request joins to the step the first one finishes (decode-tokens steps of k tokens), timed by the first
    /// request's token stream. Host: the share of that window spent outside llama_decode.
    /// </summary>
    static void MeasureBatches(SlotEngine engine, string type, int decodeTokens, List<int> batchSizes, Func<int, int[]> Ids,
        Func<int[], int, EngineRequest> Request)
    {
        var backend = (LlamaCppBackend)engine.Model.Backend;
        var line = new List<string>();
        foreach (int k in batchSizes)
        {
            int newTokens = decodeTokens + k;
            var clock = Stopwatch.StartNew();
            var stamps = new List<(double Seconds, TimeSpan Decode)>(newTokens);
            var handles = Enumerable.Range(0, k).Select(_ => engine.Submit(Request(Ids(16), newTokens))).ToList();
            var first = Task.Run(async () =>
            {
                await foreach (var _ in handles[0].StreamTokensAsync()) stamps.Add((clock.Elapsed.TotalSeconds, backend.StepDecodeTime));
            });
            var results = Task.WhenAll(handles.Select(h => h.Completion)).GetAwaiter().GetResult();
            first.GetAwaiter().GetResult();
            foreach (var r in results) r.ThrowIfFailed();
            if (stamps.Count != newTokens) throw new InvalidOperationException($"the first request streamed {stamps.Count} of {newTokens} tokens");
            // Token i of the first request comes at engine step i; all k decode from step k - 1 to its last token.
            var (from, to) = (stamps[k - 1], stamps[newTokens - 1]);
            double s = to.Seconds - from.Seconds, host = s - (to.Decode - from.Decode).TotalSeconds;
            line.Add($"{k}: {(double)k * (newTokens - k) / s:F1} (host {100 * host / s:F1}%)");
        }
        Console.WriteLine($"[{type}] aggregate decode tokens/s by sequences in one batch: {string.Join(", ", line)}");
    }

    /// <summary>
    /// Best of 5 sums over a 1 GB native buffer, one block per core at once: bytes read per second, what decode needs.
    /// Plain .NET, so measuring a GGUF file never loads libtorch.
    /// </summary>
    static double ReadBandwidth()
    {
        const int rows = 256, columns = 1 << 20; // 256 x 4 MB
        using var src = new HostMatrix(rows, columns);
        for (int r = 0; r < rows; r++) src.Row(r).Fill(1f);
        double best = double.MaxValue;
        for (int k = 0; k < 6; k++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, rows, r => System.Numerics.Tensors.TensorPrimitives.Sum<float>(src.Row(r)));
            if (k > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds); // the first pass warms up
        }
        return (double)rows * columns * sizeof(float) / best;
    }

    /// <summary>The GGUF file of <paramref name="type"/> beside the random checkpoint, converted unless already there.</summary>
    internal static string RandomGguf(string checkpointFolder, GgufFileType type, int threads)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointFolder))!, $"random-qwen2.5-0.5b.{type.Name}.gguf");
        if (!File.Exists(path)) GgufConverter.Convert(checkpointFolder, path, type, threads);
        return path;
    }

    /// <summary>
    /// Under <paramref name="workFolder"/>: random-qwen2.5-0.5b/ with config.json, the tokenizer files and random float32
    /// weights of Qwen2.5-0.5B's shape, unless already there. Returns that folder.
    /// </summary>
    internal static string WriteRandomCheckpoint(string workFolder, string tokenizerFolder)
    {
        var folder = Path.Combine(workFolder, "random-qwen2.5-0.5b");
        var weights = Path.Combine(folder, "model.safetensors");
        if (File.Exists(weights)) return folder;
        Directory.CreateDirectory(folder);
        var c = RandomWeights.Qwen25_05B;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2ForCausalLM"), ["model_type"] = "qwen2", ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize, ["intermediate_size"] = c.IntermediateSize, ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_attention_heads"] = c.NumAttentionHeads, ["num_key_value_heads"] = c.NumKeyValueHeads, ["rms_norm_eps"] = c.RmsNormEps,
            ["rope_theta"] = c.RopeTheta, ["tie_word_embeddings"] = true, ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["torch_dtype"] = "float32", ["bos_token_id"] = 151643, ["eos_token_id"] = 151643,
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" })
            if (File.Exists(Path.Combine(tokenizerFolder, f))) File.Copy(Path.Combine(tokenizerFolder, f), Path.Combine(folder, f), overwrite: true);
        var source = new RandomWeights(ScalarType.Float32, seed: 1);
        var tensors = new List<(string, long[], float[])>();
        void Add(string name, params long[] shape)
        {
            using var t = source.Read(name, shape);
            tensors.Add((name, shape, SlotSharp.Runtime.TensorHost.Floats(t)));
        }
        long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, inter = c.IntermediateSize;
        Add("model.embed_tokens.weight", c.VocabSize, d);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", d);
            Add(p + "self_attn.q_proj.weight", q, d); Add(p + "self_attn.q_proj.bias", q);
            Add(p + "self_attn.k_proj.weight", kv, d); Add(p + "self_attn.k_proj.bias", kv);
            Add(p + "self_attn.v_proj.weight", kv, d); Add(p + "self_attn.v_proj.bias", kv);
            Add(p + "self_attn.o_proj.weight", d, q);
            Add(p + "post_attention_layernorm.weight", d);
            Add(p + "mlp.gate_proj.weight", inter, d); Add(p + "mlp.up_proj.weight", inter, d); Add(p + "mlp.down_proj.weight", d, inter);
        }
        Add("model.norm.weight", d);
        SafetensorsFile.WriteFloat32(weights, tensors);
        return folder;
    }
}
