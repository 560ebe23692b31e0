# Testigo — textos em português.
# Todos os arquivos de idioma têm exatamente os mesmos identificadores (um teste verifica).

## Portal público: moldura
portal-brand = Testigo
search-label = Buscar mesa, centro ou lugar
search-placeholder = Mesa, centro ou lugar
search-button = Buscar
language-switch = Idioma
breadcrumbs = Caminho
crumb-national = Nacional
footer-about = Cada ata publicada aqui traz a assinatura do telefone do fiscal e o recibo do servidor: qualquer pessoa pode conferi-los.
footer-keys = Chaves para verificar
portal-tables =
    { $count ->
        [one] { $n } mesa
       *[other] { $n } mesas
    }

## Resultados
national-results = Resultados nacionais
regions-below = Regiões
centers = Locais de votação
tables-published-of =
    { $count ->
        [one] { $n } de { $total } mesas publicada ({ $percent })
       *[other] { $n } de { $total } mesas publicadas ({ $percent })
    }
registered-covered = Eleitores inscritos nas mesas publicadas: { $covered } de { $total }
nothing-published-yet = Nenhuma ata foi publicada aqui ainda.
col-candidate = Candidato
col-votes = Votos
col-share = Percentual
valid-votes = Votos válidos
results-explained = A soma das atas publicadas, mesa por mesa: cada número pode ser conferido na sua ata.

## Centros e mesas
table-number = Mesa { $number }
table-published = publicada
table-not-published = não publicada
registered-voters =
    { $count ->
        [one] { $n } eleitor inscrito
       *[other] { $n } eleitores inscritos
    }
table-nothing-published = A ata desta mesa ainda não foi publicada.
table-all-withdrawn = O que foi publicado desta mesa foi retirado; aparece abaixo com os motivos.
table-data-link = Dados desta mesa (JSON)
history-title = Publicações anteriores
history-explained = Nada do que é publicado é apagado: uma correção é publicada ao lado do que substitui, e uma retirada fica à vista com o seu motivo.
published-at = Publicada em { $at } (n.º { $seq })
published-on-verification = ao ser verificada
published-by-hand = pelos coordenadores
withdrawn-at = retirada em { $at }
withdrawn-reason = Retirada. Motivo: { $reason }
replaces = Substitui a publicação n.º { $seq }
review-verified = Verificada com a foto
review-unreviewed = Não revisada
review-disputed = Em disputa
review-rejected = Rejeitada
photo-alt = Foto da ata, página { $page }
photo-full = Resolução completa
photo-zoom = Toque para ampliar ou reduzir
photo-size = { $kb } KB
photo-not-received = A foto desta página ainda não chegou.
col-option = Opção
col-typed = Digitado
col-qr = Código QR
notes = Notas do fiscal:

## Provas
proof-title = Provas
proof-sealed = Selada no telefone
proof-sealed-clock = (relógio do telefone)
proof-received = Recebida pelo servidor
proof-device = Chave do dispositivo
proof-record-hash = SHA-256 do registro
proof-photo-hash = SHA-256 da foto, página { $page }
proof-original-hash = SHA-256 do original da câmera, página { $page }
proof-signature = Assinatura do dispositivo
proof-receipt = Recibo do servidor
proof-receipt-key = (chave { $key })

## Verificação
verify-button = Verificar esta ata
verify-noscript = Para verificar fora deste navegador: testigo verify com o endereço desta página.
verify-working = Verificando…
verify-valid = Válida: todas as verificações passaram.
verify-invalid = Inválida: uma ou mais verificações falharam.
verify-insecure = A verificação no navegador precisa de uma conexão segura (https).
verify-error = Não foi possível baixar os dados para verificar. Tente de novo.
check-key = A chave do dispositivo é a que o registro indica
check-signature = A assinatura do dispositivo corresponde ao registro
check-numbers = Os números mostrados são os assinados
check-photo = A foto é a que o dispositivo assinou
check-receipt = O recibo do servidor corresponde ao registro
check-photo-receipt = O recibo do servidor corresponde à foto

## Busca
search-title = Buscar
search-help = Digite o código de uma mesa ou de um centro, ou o nome de um lugar.
search-static-help = Nesta cópia do portal, digite o código exato da mesa; para encontrar um lugar, percorra as regiões a partir da página nacional.
search-none = Nada encontrado.
search-voter-label = O número do seu documento
search-voter-button = Encontrar minha mesa
search-voter-help = Digite o número como está no seu documento; pontos, traços e espaços não importam. Ele não é guardado.
search-voter-none = Esse número não está no cadastro de eleitores carregado aqui.
error-rate-limited = Muitas buscas a partir da sua conexão. Espere um momento e tente de novo.

## Erros
error-title = Indisponível
error-not-found = Esta página não existe.
error-no-election = Ainda não há uma eleição configurada.
error-bad-request = O endereço não é válido.
error-internal = Erro interno. Tente de novo.

## Contraste com os resultados oficiais
col-official = Oficial
col-region = Região
official-match = Os números oficiais da autoridade para esta mesa são iguais aos desta ata.
official-differs =
    { $count ->
        [one] Os números oficiais da autoridade diferem desta ata em { $n } número (marcado).
       *[other] Os números oficiais da autoridade diferem desta ata em { $n } números (marcados).
    }
official-source = Números oficiais de “{ $source }”, importados em { $time }.
contrast-link = Comparar com os resultados oficiais
contrast-title = As nossas atas e os resultados oficiais
contrast-explained = Cada ata publicada ao lado dos números que a autoridade eleitoral publicou para a mesma mesa. Uma diferença é a nossa menos a oficial; a página de cada mesa mostra a foto da ata e os dois conjuntos de números.
contrast-compared = Mesas comparadas
contrast-matching = Coincidem
contrast-differing = Diferem
contrast-only-official = Números oficiais sem ata publicada
contrast-by-candidate = Diferença por candidato (nossa menos oficial, nas mesas que diferem)
contrast-col-compared = Comparadas
contrast-col-differing = Diferem
contrast-col-difference = Diferença
contrast-by-region = Por região
contrast-largest = As maiores diferenças
contrast-imports = Os resultados oficiais tal como importados
contrast-method = Cada importação é guardada inteira com o SHA-256 do ficheiro tal como chegou; para cada mesa vale a última importação que dá os seus números. Só se comparam os números que a autoridade dá.
