using System.Text;
using CsCheck;
using SlotSharp.Chat.Tools;
using SlotSharp.Fuzz.Mutation;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// Model output through the tool-call parsers of every family (docs/tools.md). Model output is not a user's file:
/// the parsers must never throw on it (malformed calls are content), so any exception here is a crash. Each input is
/// also streamed in two pieces, split at a point taken from the input, which must give the whole-text result; a
/// difference throws and counts as a crash too. Seeds: well-formed outputs of each family.
/// </summary>
public sealed class ToolCallOutputFormat : FuzzFormat
{
    static readonly string[] SeedOutputs =
    [
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>",
        "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Zürich\"}}; {\"name\": \"get_time\", \"parameters\": {}}",
        "Looking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>\n"
        + "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>Done.",
    ];

    public override string Name => "tool-calls";
    public override string Extension => ".txt";
    public override IReadOnlyList<byte[]> Seeds { get; } = [.. SeedOutputs.Select(Encoding.UTF8.GetBytes)];

    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (9, ByteMutations.Mutate(seeds)));

    public override void Run(byte[] input, string scratch)
    {
        var text = Encoding.UTF8.GetString(input);
        int split = text.Length == 0 ? 0 : (int)((uint)input.Aggregate(17, (h, b) => h * 31 + b) % (uint)(text.Length + 1));
        foreach (var format in Enum.GetValues<ToolCallFormat>())
        {
            var whole = ToolCallStreamParser.Parse(format, text, Counter());
            var parser = new ToolCallStreamParser(format.NewScanner(), Counter());
            var events = new List<ToolStreamEvent>(parser.Push(text[..split]));
            events.AddRange(parser.Push(text[split..]));
            events.AddRange(parser.Finish());
            var content = string.Concat(events.OfType<ContentDelta>().Select(e => e.Text));
            var calls = events.OfType<ToolCallDelta>().Select(e => e.Call).ToList();
            if (content != whole.Content || !calls.SequenceEqual(whole.Calls))
                throw new InvalidOperationException($"{format}: streaming split at {split} differs from the whole-text parse");
        }
    }

    static Func<string> Counter()
    {
        int next = 0;
        return () => $"call_{next++}";
    }
}
