using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using SlotSharp.Chat;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Tokenization;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot tokenize --model DIR --text TEXT [--chat [--system S]] [--json] [--no-special]`: ids and token strings of a text.</summary>
internal static class TokenizeCommand
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder with tokenizer.json (and tokenizer_config.json), or a .gguf file", Required = true };
        var text = new Option<string>("--text") { Description = "Text to encode", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\":[..],\"tokens\":[..]}" };
        var noSpecial = new Option<bool>("--no-special") { Description = "Do not add special tokens (e.g. Llama-3's BOS)" };
        var chat = new Option<bool>("--chat") { Description = "Render --text as a user message with the model's chat template (add_generation_prompt), then encode without special tokens, as the original SLOT code does" };
        var system = new Option<string?>("--system") { Description = "System message for --chat" };
        var cmd = new Command("tokenize", "Encode text with a Hugging Face tokenizer.json and print ids and tokens");
        cmd.Options.Add(model);
        cmd.Options.Add(text);
        cmd.Options.Add(json);
        cmd.Options.Add(noSpecial);
        cmd.Options.Add(chat);
        cmd.Options.Add(system);
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(system) != null && !parse.GetValue(chat)) throw new UserInputException("--system needs --chat");
            var folder = parse.GetValue(model)!;
            // A .gguf file: tokenizer.json beside it, else the GGUF's own vocabulary through llama.cpp.
            bool gguf = File.Exists(folder) && folder.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);
            var tokenizer = gguf ? GgufTokenizerLoader.Load(folder) : TokenizerLoader.FromModelFolder(folder);
            using var owned = tokenizer as IDisposable;
            int[] ids;
            if (parse.GetValue(chat))
            {
                var template = gguf ? GgufChatTemplate.Load(folder) : ChatTemplate.FromModelFolder(folder);
                if (template.Warning is { } w) Console.Error.WriteLine($"warning: {w}");
                var messages = new List<ChatMessage>();
                if (parse.GetValue(system) is { } s) messages.Add(ChatMessage.System(s));
                messages.Add(ChatMessage.User(parse.GetValue(text)!));
                // The rendered template already holds any BOS: encode with add_special_tokens=False.
                ids = tokenizer.Encode(template.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);
            }
            else ids = tokenizer.Encode(parse.GetValue(text)!, addSpecialTokens: !parse.GetValue(noSpecial));
            Console.Write(Format(tokenizer, ids, parse.GetValue(json)));
            return 0;
        });
        return cmd;
    }

    /// <summary>JSON object, or one "id&lt;TAB&gt;"token"" line per token after a count line.</summary>
    public static string Format(ITokenizer tokenizer, int[] ids, bool json)
    {
        var tokens = ids.Select(id => tokenizer.IdToToken(id) ?? "").ToArray();
        if (json) return JsonSerializer.Serialize(new { ids, tokens }, Json) + "\n";
        var sb = new System.Text.StringBuilder($"{ids.Length} tokens\n");
        for (int i = 0; i < ids.Length; i++) sb.Append(ids[i]).Append('\t').Append(JsonSerializer.Serialize(tokens[i], Json)).Append('\n');
        return sb.ToString();
    }
}
