using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Engine;
using SlotSharp.Server;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot generate`: load a model, optionally adapt it to the prompt with SLOT, and generate. Without --json the text
/// streams to stdout as tokens arrive; with --json exactly one JSON object is printed at the end.
/// </summary>
internal static class GenerateCommand
{
    static readonly JsonSerializerOptions JsonOut = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new ModelOptions();
        var slot = new SlotCliOptions();
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (the user message with --chat)" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids, e.g. 1,2,3" };
        var chat = new Option<bool>("--chat") { Description = "Render --prompt as a user message with the model's chat template (add_generation_prompt)" };
        var system = new Option<string?>("--system") { Description = "System message for --chat" };
        var sampling = new SamplingCliOptions();
        var constraints = new ConstraintCliOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object with ids, text, timings and the SLOT trajectory" };
        var explain = new Option<int>("--explain") { Description = "Print the K tokens whose logits SLOT raised and lowered most" };
        var saveDelta = new Option<string?>("--save-delta") { Description = "Write the learned delta (safetensors, with metadata) to FILE" };

        var cmd = new Command("generate", "Generate text, adapting the model to the prompt with SLOT (--times 0 = plain generation)");
        model.AddTo(cmd);
        foreach (var o in new Option[] { prompt, promptIds, chat, system, json, explain, saveDelta }) cmd.Options.Add(o);
        sampling.AddTo(cmd);
        constraints.AddTo(cmd);
        slot.AddTo(cmd);

        cmd.SetAction(parse =>
        {
            // Validate every argument before the (slow) model load.
            string? text = parse.GetValue(prompt), idsText = parse.GetValue(promptIds);
            if ((text == null) == (idsText == null)) throw new UserInputException("give exactly one of --prompt or --prompt-ids");
            if (parse.GetValue(chat) && text == null) throw new UserInputException("--chat needs --prompt (the user message)");
            if (parse.GetValue(system) != null && !parse.GetValue(chat)) throw new UserInputException("--system needs --chat");
            int[]? ids = idsText == null ? null : ParseIds(idsText);
            var generation = sampling.Resolve(parse);
            var slotOptions = slot.Resolve(parse);
            int explainK = parse.GetValue(explain);
            if (explainK < 0) throw new UserInputException($"--explain must be >= 0, got {explainK}");
            string? save = parse.GetValue(saveDelta), load = sampling.LoadDeltaFile(parse);
            if (save != null && load != null) throw new UserInputException("--save-delta and --load-delta cannot be combined");
            bool asJson = parse.GetValue(json);
            var constraint = constraints.Resolve(parse);
            model.Validate(parse);

            using var loaded = model.LoadModel(parse);
            using var engine = new SlotEngine(loaded);
            float[]? delta = load == null ? null : SamplingCliOptions.ReadDelta(load, loaded);
            if (constraint != null) SlotSharp.Generation.Constraints.VocabularyTrie.For(loaded.Tokenizer);

            var requests = new RequestBuilder(loaded);
            PromptInput input;
            if (ids != null) input = PromptInput.FromIds(ids);
            else if (parse.GetValue(chat))
            {
                var messages = new List<ChatMessage>();
                if (parse.GetValue(system) is { } s) messages.Add(ChatMessage.System(s));
                messages.Add(ChatMessage.User(text!));
                input = PromptInput.FromMessages(messages);
            }
            else input = PromptInput.FromText(text!);
            generation = sampling.ForModel(parse, generation, loaded);
            JsonObject? explained = null;
            var request = requests.Build(input, generation, slotOptions, loadedDelta: delta) with
            {
                OnLogitBias = explainK == 0 ? null : b => explained = Explain(loaded.Tokenizer, b, explainK, asJson ? null : Console.Error),
                Constraint = constraint,
            };

            var result = LongContextOption.NamingTheFlag(() =>
            {
                var handle = engine.Submit(request);
                if (!asJson)
                    foreach (var piece in handle.Text.ReadAllAsync().ToBlockingEnumerable()) { Console.Write(piece); Console.Out.Flush(); }
                return handle.Completion.GetAwaiter().GetResult().ThrowIfFailed();
            });
            if (!asJson) Console.WriteLine();

            if (save != null)
            {
                var s = result.Slot;
                var d = s?.Delta ?? new float[loaded.HiddenSize];
                SlotDeltaFile.SaveDelta(save, d, new SlotDeltaMetadata(loaded.ModelId, loaded.HiddenSize,
                    slotOptions.Times, slotOptions.Lr, SlotCliOptions.Name(slotOptions.Optimizer), s?.Losses ?? []));
                if (!asJson) Console.Error.WriteLine($"saved delta to {save}");
            }
            if (asJson) Console.WriteLine(GenerationJson.Build(loaded, result, slotOptions, explained).ToJsonString(JsonOut));
            return 0;
        });
        return cmd;
    }

    static int[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UserInputException("--prompt-ids is empty");
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new UserInputException($"--prompt-ids: '{p}' is not a token id")).ToArray();
    }

    /// <summary>
    /// The <paramref name="k"/> tokens SLOT's bias raised and lowered most, as JSON, and as two lines on
    /// <paramref name="lines"/> when given (`slot chat`'s /explain prints the same lines).
    /// </summary>
    internal static JsonObject Explain(ITokenizer tokenizer, float[] bias, int k, TextWriter? lines)
    {
        var e = SlotBiasExplanation.Explain(bias, k);
        JsonArray Rows(IEnumerable<TokenBias> rows) => [.. rows.Select(r => new JsonObject
        {
            ["id"] = r.Id, ["token"] = tokenizer.Decode([(int)r.Id]), ["bias"] = r.Bias,
        })];
        if (lines != null)
        {
            lines.WriteLine($"SLOT raised most: {string.Join(", ", e.Raised.Select(r => $"{JsonSerializer.Serialize(tokenizer.Decode([(int)r.Id]), JsonOut)} {r.Bias:+0.000;-0.000}"))}");
            lines.WriteLine($"SLOT lowered most: {string.Join(", ", e.Lowered.Select(r => $"{JsonSerializer.Serialize(tokenizer.Decode([(int)r.Id]), JsonOut)} {r.Bias:+0.000;-0.000}"))}");
        }
        return new JsonObject { ["raised"] = Rows(e.Raised), ["lowered"] = Rows(e.Lowered) };
    }
}
