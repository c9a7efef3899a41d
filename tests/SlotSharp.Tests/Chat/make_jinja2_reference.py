"""Writes jinja2_reference.json: what Python Jinja2 (3.1.x) renders for each snippet below, with the environment
transformers' apply_chat_template uses (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
json.dumps-based tojson, raise_exception, strftime_now with a fixed clock 2024-07-05 09:03:07).
The C# tests compare against that file. Usage: python3 make_jinja2_reference.py
"""
import json
T = [
 # whitespace control / trim / lstrip
 "a\n  {% if true %}\n    x\n  {% endif %}\nb",
 "a  {%- if true -%}  x  {%- endif -%}  b",
 "a\n  {%+ if true %}x{% endif +%}\nb",
 "{{ 'x' }}\n{{ 'y' }}\n",
 "  {{- 'x' -}}  \n y",
 "line1\n  {# comment #}\nline2",
 "a {# c -#}   b",
 "x\r\n{% if true %}\r\ny\r\n{% endif %}\r\nz\n\n",
 "  {% if true %}  a{% endif %}",
 "{% if true %}  {% if true %}x{% endif %}{% endif %}",
 "{% raw %}{{ not evaluated }}{% endraw %}\nafter",
 # literals / printing
 "{{ 1 }} {{ 1.0 }} {{ 1.5e3 }} {{ 1e20 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1/3 }} {{ 10/2 }} {{ none }} {{ true }} {{ False }}",
 "{{ [1, 'a', none, true, 2.5] }} {{ {'a': 1, 'b': [1,2]} }} {{ (1,) }} {{ (1, 'x') }} {{ \"it's\" }} {{ ['it\\'s'] }}",
 "{{ 'a\\tb\\\\n\\x41\\u00e9' }}|{{ \"q\\\"q\" }}",
 "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7.5 // 2 }} {{ 'ab' * 3 }} {{ 'a' ~ 1 ~ none }} {{ 1 + 2 * 3 - 4 }}",
 "{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1,2] == [1,2] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}",
 "{{ 'ab' in 'cabd' }} {{ 'k' in {'k': 1} }} {{ 2 in [1,2] }} {{ 3 not in [1,2] }} {{ not 1 in [1] }}",
 "{{ x if x else 'no' }}|{{ 'y' if false }}|{{ 1 if false else 2 if false else 3 }}",
 "{{ -x|abs }} {{ -3|abs }}",
 # undefined
 "[{{ missing }}][{{ missing is defined }}][{{ missing|default('d') }}][{{ missing|length }}][{% for a in missing %}x{% endfor %}]",
 "{{ d.nokey is defined }} {{ d['nokey'] is undefined }} {{ d.k }} {{ d['k'] }} {{ d.get('k') }} {{ d.get('z', 5) }}",
 "{{ missing.attr }}",
 "{{ 'a' + missing }}",
 "{{ none.attr is defined }}",
 # strings
 "{{ s.split('</think>')[-1].lstrip('\\n') }}|{{ s.split() }}|{{ ' a  b '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}",
 "{{ 'xxhixx'.strip('x') }} {{ '  hi  '.strip() }} {{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x','lo')) }} {{ 'Hello World'.upper() }} {{ 'a-b'.replace('-', '+') }}",
 "{{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'abc'[::-1] }} {{ 'abcdef'[1:4] }} {{ 'abcdef'[-2:] }} {{ 'abc'[0] }} {{ 'abcdef'[::2] }}",
 "{{ '{} and {name}'.format(1, name='x') }}",
 # lists/slices
 "{{ l[1:] }} {{ l[:-1] }} {{ l[::-1] }} {{ l[-1] }} {{ l[5] is defined }} {{ l[1:3] }} {{ l[::-2] }} {{ l[-10:2] }}",
 # filters
 "{{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ l|length }}|{{ l|count }}|{{ l|first }}|{{ l|last }}|{{ l|join(', ') }}|{{ 'abc'|upper }}|{{ 'ABC'|lower }}",
 "{{ 'hello world-foo(bar'|title }}|{{ 'hELLO wORLD'|capitalize }}|{{ 'aaa'|replace('a','b',2) }}|{{ none|default('x') }}|{{ ''|default('x', true) }}|{{ ''|d('y', boolean=true) }}",
 "{{ 'abc'|list }}|{{ 42|string }}|{{ '42'|int + 1 }}|{{ '4.7'|int }}|{{ 'x'|int(7) }}|{{ '3.5'|float }}|{{ 3|float }}|{{ -4|abs }}|{{ 'ff'|int(base=16) }}",
 "{{ d|items|list }}|{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d.items() %}{{ k }}:{{ v }} {% endfor %}",
 "{{ users|selectattr('active')|map(attribute='name')|join(',') }}|{{ users|rejectattr('active')|map(attribute='name')|list }}|{{ users|selectattr('name', 'equalto', 'b')|list|length }}",
 "{{ [1,2,3,4]|select('odd')|list }}|{{ [1,2,3,4]|reject('even')|list }}|{{ ['a','code_interpreter','b']|reject('equalto','code_interpreter')|join(', ') }}|{{ [0,1,'',none,'x']|select|list }}",
 "{{ [3,1,2]|sort }}|{{ [3,1,2]|sort(reverse=true) }}|{{ ['b','A','c']|sort }}|{{ users|sort(attribute='name', reverse=true)|map(attribute='name')|join }}|{{ [1,2,1,3]|unique|list }}|{{ ['a','A','b']|unique|list }}",
 "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='>', blank=true) }}",
 "{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.345|round(2) }}|{{ 2.1|round(method='ceil') }}|{{ 5|round }}|{{ 'one two, three'|wordcount }}",
 "{{ {'b': 1, 'a': 2}|dictsort }}|{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}",
 "{{ tool|tojson }}|{{ tool|tojson(indent=2) }}|{{ [1.0, 2, 'é\"\\n', none, true]|tojson }}|{{ {}|tojson }}|{{ []|tojson(indent=4) }}|{{ {'b':1,'a':{}}|tojson(sort_keys=true) }}",
 "{{ ['a','b']|map('upper')|join }}|{{ [1,2,3]|sum }}|{{ [3,1,2]|max }}|{{ [3,1,2]|min }}|{{ 'abc'|reverse }}|{{ [1,2]|reverse|list }}|{{ '<a>'|e }}|{{ '<a>'|safe }}",
 # tests
 "{{ 1 is number }} {{ true is number }} {{ true is integer }} {{ 1 is integer }} {{ 1.0 is float }} {{ 'a' is string }} {{ d is mapping }} {{ l is iterable }} {{ 'a' is iterable }} {{ missing is iterable }} {{ 1 is iterable }} {{ l is sequence }} {{ true is boolean }} {{ false is false }} {{ 0 is false }} {{ none is none }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 'a' is equalto 'a' }} {{ 'a' is eq('b') }} {{ 'abc' is lower }} {{ 1 is in [1,2] }} {{ 3 is gt 2 }}",
 "{{ not x is defined }} {{ x is not none }} {{ missing is not defined }}",
 # loops
 "{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}",
 "{% for x in l if x > 1 %}{{ loop.index }}:{{ x }}{{ ',' if not loop.last }}{% endfor %}",
 "{% for x in [] %}x{% else %}empty{% endfor %}",
 "{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}",
 "{% for a, b in [[1,2],[3,4]] %}{{ a + b }} {% endfor %}",
 "{% for x in l %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('o','e') }} {% endfor %}",
 "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}",
 "{% for k in d %}{{ k }}{% endfor %}",
 # scoping
 "{% set c = 0 %}{% for i in range(3) %}{% set c = c + 1 %}{{ c }}{% endfor %}{{ c }}",
 "{% set ns = namespace(c=0) %}{% for i in range(3) %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}",
 "{% for i in range(2) %}{% if i == 0 %}{% set y = 'set' %}{% endif %}[{{ y }}]{% endfor %}",
 "{% if true %}{% set z = 5 %}{% endif %}{{ z }}",
 "{% set a, b = 1, 2 %}{{ a }}{{ b }}",
 "{% set block %}  hello {{ 1 }}  {% endset %}[{{ block }}]",
 "{% set block | trim | upper %}  hello  {% endset %}[{{ block }}]",
 "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]",
 "{% filter upper %}abc{{ 'd' }}{% endfilter %}",
 # macros
 "{% macro greet(name, greeting='Hi') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Yo') }} {{ greet(name='Cy') }}",
 "{% macro render(x) %}{% if x is mapping %}{% for k, v in x.items() %}{{ k }}({{ render(v) }}){% endfor %}{% else %}{{ x }}{% endif %}{% endmacro %}{{ render({'a': {'b': 1}, 'c': 2}) }}",
 "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}",
 "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}",
 # dict / namespace globals
 "{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
 "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %I%p') }}",
 # misc
 "{{ messages[0]['role'] }}{{ messages[0].content }}{{ messages[loop_idx - 1].role if loop_idx else 'n' }}",
 "{{ 'a' 'b' }}{{ (1 + 2) * 3 }}{{ -2 ** 2 }}{{ 2 ** -1 }}",
 "{{ x|default }}|{{ l|join }}|{{ [[1,2],[3]]|map('length')|list }}",
 "{{ 'Tools: ' + tools_l | reject('equalto', 'code_interpreter') | join(', ') + '\\n' }}",
 "{{ 'a' + '  b  ' | trim + 'c' }}",
 "{{ {'a': 1}.a }}{{ {'items': 5}['items'] }}{{ {'items': 5}.items is defined }}",
 "{{ l|batch(2)|list }}",
 "{{ tool.function.name }}{{ tool['function']['parameters']['required'][0] }}",
 "{{ 3 / 2 }} {{ 1e16 }} {{ 123456789.123 }} {{ 0.1 + 0.2 }} {{ 1.0e-10 }} {{ -0.0 }} {{ 2.0 ** 70 }}",
]
ctx = {'x': 5, 'l': [1,2,3], 'd': {'k': 'v', 'n': 2}, 's': '<think>\nreason\n</think>\n\nanswer text', 'users': [{'name':'a','active':True},{'name':'b','active':False},{'name':'c','active':True}],
       'tool': {'type':'function','function':{'name':'get_weather','description':'Get é','parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}}},
       'messages': [{'role':'user','content':'hi'}], 'loop_idx': 1, 'tools_l': ['a','code_interpreter','b']}

# Shapes of real templates not in shared/ (written from the published templates; each with its own context).
CONV = [{'role': 'system', 'content': '  Be brief.  '}, {'role': 'user', 'content': 'What is 2+2?'},
        {'role': 'assistant', 'content': '4'}, {'role': 'user', 'content': 'And 3+3?'}]
LLAMA32 = """{{- bos_token }}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""
MISTRAL = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
MISTRAL_TOOLS = """{%- set ns = namespace(user_messages=[]) %}
{%- for message in messages %}
    {%- if message.role == "user" %}
        {%- set ns.user_messages = ns.user_messages + [message] %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == ns.user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
        {%- endif %}
        {{- "[INST] " + message["content"] + "[/INST]" }}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
        {%- endfor %}
        {{- "]" + eos_token }}
    {%- else %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- endif %}
{%- endfor %}
"""
QWEN_MATH = "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nPlease reason step by step, and put your final answer within \\\\boxed{}.<|im_end|>\\n' }}{%- endif %}{%- for message in messages %}{%- if (message.role == 'user') or (message.role == 'system' and not loop.first) %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
TOOLS = [{'type': 'function', 'function': {'name': 'get_weather', 'description': 'Weather in a city', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}}]
CALL = {'role': 'assistant', 'tool_calls': [{'id': 'abc123XYZ', 'function': {'name': 'get_weather', 'arguments': {'city': 'Zürich'}}}]}
T += [
 (LLAMA32, {'messages': CONV, 'bos_token': '<|begin_of_text|>', 'add_generation_prompt': True}),
 (LLAMA32, {'messages': CONV[1:], 'bos_token': '<|begin_of_text|>', 'add_generation_prompt': False, 'date_string': '01 Jan 2025'}),
 (MISTRAL, {'messages': CONV[1:], 'bos_token': '<s>', 'eos_token': '</s>'}),
 (MISTRAL, {'messages': CONV, 'bos_token': '<s>', 'eos_token': '</s>'}),
 (MISTRAL_TOOLS, {'messages': [CONV[1], CALL, CONV[3]], 'tools': TOOLS, 'eos_token': '</s>'}),
 (MISTRAL_TOOLS, {'messages': [CONV[1], {'role': 'assistant', 'tool_calls': [{'id': 'short', 'function': {'name': 'f', 'arguments': {}}}]}], 'tools': None, 'eos_token': '</s>'}),
 (QWEN_MATH, {'messages': CONV[1:2], 'add_generation_prompt': True}),
]


from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError
def raise_exception(m): raise TemplateError(m)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters['tojson'] = tojson
env.globals['raise_exception'] = raise_exception
import datetime
env.globals['strftime_now'] = lambda f: datetime.datetime(2024,7,5,9,3,7).strftime(f)
cases = [{'t': t, 'ctx': ctx} if isinstance(t, str) else {'t': t[0], 'ctx': {**ctx, **t[1]}, 'extra': t[1]} for t in T]
out = []
for c in cases:
    try:
        r = env.from_string(c['t']).render(**c.get('ctx', {}))
        out.append({'t': c['t'], **({'ctx': c['extra']} if 'extra' in c else {}), 'out': r})
    except Exception as e:
        out.append({'t': c['t'], **({'ctx': c['extra']} if 'extra' in c else {}), 'err': type(e).__name__ + ': ' + str(e)})
import os
json.dump({'context': ctx, 'cases': out}, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja2_reference.json'), 'w'), ensure_ascii=False, indent=1)
