# Testigo — painel dos coordenadores, textos em português.
# Todos os arquivos de idioma têm exatamente os mesmos identificadores, todos com o prefixo
# "dash-", e cada mensagem usa as mesmas variáveis em todos os idiomas (um teste verifica).

## A moldura de cada página
dash-brand = Testigo
dash-home = Início
dash-overview = Resumo
dash-tally = Totais
dash-batches = Lotes
dash-devices = Dispositivos
dash-sign-out = Sair

## Entrar
dash-sign-in = Entrar
dash-login-user = Usuário
dash-login-password = Senha
dash-login-throttled = Tentativas demais. Aguarde alguns minutos.
dash-login-incomplete = Digite o usuário e a senha.
dash-login-wrong = Usuário ou senha incorretos.

## Erros
dash-error-title = Erro { $status }
dash-error-not-found = Não existe, ou não está na sua região.
dash-error-internal = Erro interno. Tente de novo.
dash-error-forbidden = A sua conta não pode fazer isto.
dash-error-bad-request = A solicitação não é válida.
dash-error-bad-address = endereço mal formado
dash-error-bad-params = parâmetros inválidos
dash-error-incomplete-form = formulário incompleto
dash-error-form-expired = O formulário expirou. Recarregue a página.
dash-error-unknown-filter = filtro desconhecido
dash-error-view-only = A sua conta pode ver, mas não revisar.
dash-error-no-verdict = escolha um estado
dash-error-comment-too-long = o comentário é longo demais

## Regiões
dash-region-title = { $region } — { $contest }
dash-stations-reported = Mesas com ata
dash-voters-covered = Eleitores cobertos
dash-registered = Inscritos
dash-actas = Atas
dash-photos = Fotos
dash-with-warnings = Com avisos
dash-of-registered = de { $registered } inscritos
dash-actas-received = Atas recebidas
dash-n-with-warnings = { $n } com avisos
dash-photos-received = Fotos recebidas
dash-region-tally = Totais desta região
dash-batches-received = Lotes recebidos
dash-arrivals = Chegadas por minuto (últimas 3 horas)
dash-arrivals-legend = Escuro: atas · claro: fotos
dash-subregions = Sub-regiões
dash-col-region = Região
dash-centers = Locais de votação
dash-col-center = Local

## Gráfico de chegadas (rótulo acessível e títulos das barras)
dash-chart-arrivals = chegadas por minuto
dash-chart-records =
    { $count ->
        [one] { $n } ata
       *[other] { $n } atas
    }
dash-chart-photos =
    { $count ->
        [one] { $n } foto
       *[other] { $n } fotos
    }

## Totais
dash-tally-title = Totais — { $region }
dash-tally-coverage = Cobertura: { $stations } das mesas, { $voters } dos eleitores inscritos.
dash-by-candidate = Por candidato
dash-col-candidate = Candidato
dash-col-votes = Votos
dash-col-share = %
dash-by-option = Por opção de voto (partido)
dash-col-option = Opção
dash-other-numbers = Outros números da ata
dash-valid-votes = Votos válidos (soma das opções)
dash-tally-typed-note = Os números são os que os fiscais digitaram; as diferenças em relação à foto aparecem em cada ata.

## Listas de capturas
dash-review-verified = verificada
dash-review-disputed = em disputa
dash-review-rejected = rejeitada
dash-review-unreviewed = não revisada
dash-col-received = Recebida
dash-col-station = Mesa
dash-col-device = Dispositivo
dash-col-warnings = Avisos
dash-col-review = Revisão
dash-counts = conta
dash-corrected = corrigida

## Locais e mesas
dash-station = Mesa { $number }
dash-center-summary = Mesas: { $stations } · Eleitores inscritos: { $registered } · Com ata: { $reported }
dash-col-captures = Capturas
dash-col-counted-acta = Ata que conta
dash-view-acta = ver ata
dash-station-title = Mesa { $number } — { $center }
dash-station-summary = { $center } · Eleitores inscritos: { $registered } · Capturas recebidas: { $captures }
dash-station-no-captures = Nenhum fiscal enviou esta ata ainda.

## Lotes
dash-batches-title-scope = Lotes recebidos — { $scope }
dash-filter-all = Todas
dash-filter-warnings = Com avisos
dash-filter-unreviewed = Não revisadas
dash-filter-disputed = Em disputa
dash-filter-missing-photo = Sem foto
dash-nothing = Nada para mostrar.
dash-older = Mais antigas →

## Dispositivos
dash-devices-enrolled = Dispositivos inscritos
dash-devices-seen-15-min = Vistos nos últimos 15 min
dash-devices-seen-hour = Vistos na última hora
dash-devices-never-seen = Nunca vistos
dash-devices-recent = Sem sinal há mais tempo primeiro
dash-col-stations = Mesas
dash-col-last-seen = Visto pela última vez
dash-revoked-at = revogado { $at }
dash-and-more = e mais { $n }
dash-minutes-ago = (há { $minutes } min)
dash-never = nunca

## A ata
dash-acta-title = Ata — mesa { $number } — { $center }
dash-counted = conta nos totais
dash-not-counted = não conta nos totais
dash-phone-warnings = Avisos do telefone
dash-watcher-notes = Notas do fiscal
dash-warning-count-missing = falta um número
dash-warning-sum-mismatch = a soma dos votos não bate com os votantes
dash-warning-voted-exceeds-registered = mais votantes do que inscritos
dash-warning-photo-missing = sem foto
dash-warning-qr-mismatch = difere do código QR
dash-no-photo = Esta captura não traz foto.
dash-photo-alt = Ata, página { $page }
dash-photo-caption = Página { $page } · toque na foto para ampliar · { $size } bytes
dash-photo-pending = Página { $page }: a foto ainda não chegou ({ $size } bytes esperados).
dash-col-field = Campo
dash-col-typed = Digitado
dash-col-qr = QR
dash-col-other = outro fiscal (telefone { $device })

## Revisão
dash-review = Revisão
dash-review-state = Estado:
dash-review-verified-option = Verificada
dash-review-disputed-option = Em disputa
dash-review-rejected-option = Rejeitada
dash-review-comment = Comentário para o fiscal
dash-review-save = Salvar revisão
dash-audit = Registro de revisões
dash-audit-comment = — “{ $comment }”

## Procedência
dash-provenance = Procedência
dash-capture = Captura
dash-device-revoked = Dispositivo revogado
dash-phone-time = Hora do telefone
dash-received-server = Recebida (servidor)
dash-record-sha = SHA-256 do registro
dash-receipt-key = Recibo assinado por
dash-photo-sha = Foto { $page }: SHA-256
dash-photo-original = Foto { $page }: original da câmera
dash-photo-received = Foto { $page }: recebida
dash-photo-not-received = não recebida
dash-corrections = Correções (mesmo dispositivo)
dash-this-one = (esta)

## Contraste com os resultados oficiais
dash-contrast = Contraste oficial
dash-contrast-title = Contraste com os resultados oficiais: { $region }
dash-contrast-none = Ainda não foram importados resultados oficiais (testigo official import, ou a API de administração).
dash-contrast-compared = Mesas comparadas
dash-contrast-matching = Coincidem
dash-contrast-differing = Diferem
dash-contrast-only-official = Só oficial
dash-contrast-only-ours = Só nossa
dash-contrast-by-candidate = Diferença por candidato (nossa menos oficial, nas mesas que diferem)
dash-contrast-by-region = Por região
dash-contrast-tables = Mesas
dash-contrast-no-tables = Nenhuma mesa aqui.
dash-contrast-sort-difference = Maior diferença primeiro
dash-contrast-sort-table = Por mesa
dash-contrast-csv = Baixar todas as discrepâncias (CSV)
dash-contrast-open = Ata e números
dash-contrast-showing = Mesas { $from }–{ $to } de { $total }
dash-contrast-imports = Resultados oficiais importados
dash-col-difference = Diferença
dash-col-differences = O que difere (nossa menos oficial)
dash-col-official = Oficial
dash-col-acta = Ata
dash-col-source = Fonte
dash-col-imported = Importado
dash-col-tables = Mesas
dash-prev-page = Anterior
dash-next-page = Seguinte

dash-report-link = Relatório para imprimir
dash-report-title = Relatório de contraste: { $region }
dash-report-print-hint = Use Imprimir do navegador (Ctrl+P) para guardar este relatório em PDF.
dash-report-intro-all = { $election }. Relatório gerado em { $time }.
dash-report-intro = { $election } — { $region }. Relatório gerado em { $time }.
dash-report-method = Método
dash-report-method-text = A ata de cada mesa foi fotografada e transcrita por um fiscal credenciado, assinada pelo seu telefone e recebida pelos coordenadores com um recibo assinado. Os resultados por mesa da autoridade foram importados tal como publicados (cada ficheiro abaixo, guardado inteiro, com o seu SHA-256); para cada mesa vale a última importação que dá os seus números. Só se comparam os números que a autoridade dá; uma diferença é o número da nossa ata menos o oficial.
dash-report-figures = Números
dash-report-largest = As { $n } maiores discrepâncias
dash-report-device = Chave do dispositivo do fiscal

## Contagem rápida
dash-quickcount = Contagem rápida
dash-quickcount-none = A amostra ainda não foi sorteada (testigo quickcount draw --size N --seed S).
dash-quickcount-in = { $in } de { $sample } mesas da amostra recebidas ({ $pct })
dash-quickcount-seed = Semente: “{ $seed }” — qualquer pessoa pode sortear a amostra de novo com ela.
dash-col-estimate = Proporção estimada
dash-col-margin = Margem de erro (95%)
dash-quickcount-lead-beyond = A vantagem do primeiro supera a sua margem de erro (±{ $margin }).
dash-quickcount-lead-within = A vantagem do primeiro está dentro da sua margem de erro (±{ $margin }): disputa apertada demais.
dash-quickcount-chart = Margem de erro do primeiro à medida que a amostra chega
dash-quickcount-method = Método: amostra aleatória de mesas sorteada antes da eleição, estratificada pelo primeiro nível de regiões e repartida em proporção aos eleitores inscritos; proporções por um estimador de razão com variância estratificada; margens a 95% (aproximação normal).

## A mesa de verificação
dash-transcribe = Transcrever
dash-verify = Verificar
dash-col-capture = Captura
dash-desk-progress = Por transcrever: { $transcribing } · para um verificador: { $verify } · resolvidas: { $confirmed }
dash-desk-empty = Nada a transcrever agora. Esta página traz a próxima ata assim que chegar: recarregue-a.
dash-desk-to-verify = Atas à espera de um verificador
dash-desk-saved = Guardado. Eis a próxima ata.
dash-desk-saved-confirmed = Guardado: as duas transcrições e o fiscal coincidem, a ata fica confirmada.
dash-desk-saved-verify = Guardado: as transcrições diferem, a ata vai para um verificador.
dash-desk-table = Mesa { $number }, { $center } · transcrição { $slot } de 2
dash-desk-missing = Escreva um número para { $field }.
dash-desk-not-a-count = { $field } deve ser um número inteiro de 0 a 1.000.000.
dash-desk-submit = Guardar e seguir
dash-desk-blind = Escreva o que a foto mostra, linha a linha. Não vê o que o fiscal nem o outro transcritor escreveram.
dash-desk-field = Votos de { $field }
dash-desk-zoom = Ampliar a foto
dash-desk-verify-empty = Nenhuma ata espera um verificador.
dash-desk-col-clerks = Transcrita por
dash-desk-col-watcher = Fiscal
dash-desk-col-decision = A ata diz
dash-desk-decide = Guardar decisão
dash-desk-own-entry = Você transcreveu esta ata: outro coordenador deve verificá-la.
dash-desk-decided-by = Decidida por { $name }.
dash-desk-open-acta = Abrir a captura
dash-desk-verify-title = Verificar a mesa { $number }, { $center }
dash-desk-state-transcribing = Por transcrever
dash-desk-state-verify = À espera de um verificador
dash-desk-state-confirmed = Confirmada por dupla transcrição
dash-desk-state-decided = Decidida por um verificador

## As operações da noite: mesas atrasadas, busca
dash-missing = Em falta
dash-missing-title = { $list } — { $region }
dash-missing-count = { $missing } de { $tables } mesas ainda sem ata
dash-as-of = às { $time }
dash-missing-no-acta = Sem ata
dash-missing-no-photo = Ata sem a foto
dash-missing-uploading = Fotos ainda a enviar
dash-missing-none = Nenhuma mesa está atrasada aqui.
dash-missing-open-acta = (abrir a ata)
dash-missing-no-device = nenhum dispositivo atribuído
dash-col-table = Mesa
dash-col-devices = Dispositivos (último sinal)
dash-search = Buscar
dash-search-hint = Escreva o código ou o nome de uma mesa, um centro ou uma região, ou o id de uma captura.
dash-search-none = Nada encontrado na sua região.
dash-search-capture = Captura #{ $pk } (mesa { $table })
dash-search-table = Mesa { $number } ({ $id }), { $center }
dash-missing-disagree = Fiscais em desacordo
dash-attention = Requer atenção
dash-attention-none = Nada requer atenção.
dash-attention-late = mesas sem ata
dash-attention-disagree = mesas onde os fiscais não coincidem
dash-attention-disputed = mesas com a ata contestada
dash-attention-unreviewed = mesas com a ata por rever
dash-attention-no-photo = mesas à espera da foto
dash-attention-warned = mesas cuja ata chegou com avisos
dash-missing-disputed = Contestadas
dash-missing-unreviewed = Por rever
dash-missing-warned = Com avisos
dash-choice = Que ata vale
dash-choice-latest = A mesa conta com a sua ata mais recente.
dash-choice-made = Vale a ata #{ $pk }, escolhida por { $name } em { $at }:
dash-choice-option = #{ $pk } do telefone { $device }, recebida em { $at }
dash-choice-back-to-latest = A mais recente (sem escolha)
dash-choice-reason = Motivo (fica no registo de auditoria)
dash-choice-save = Guardar a escolha
dash-choice-needs-reason = Indique o motivo (no máximo 1.000 caracteres).
dash-choice-not-standing = Essa ata não pode valer para esta mesa: foi corrigida, rejeitada ou é de outra mesa.
dash-audit-transcribe = transcrita (entrada { $slot } de 2)
dash-audit-choose = escolhida para valer pela sua mesa
dash-col-earlier = anterior, { $at }
dash-device-manage = Fiscal, revogar
dash-contact-name = Nome do fiscal
dash-contact-phone = Telefone
dash-contact-save = Guardar
dash-contact-invalid = Um nome de no máximo 100 caracteres e um telefone de algarismos, espaços e + - ( ) (no máximo 32).
dash-revoke-reason = Porque revogá-lo (perdido, apreendido…)
dash-revoke = Revogar este telefone
dash-revoke-needs-reason = Indique o motivo (no máximo 500 caracteres).
dash-tally-latest = Cada mesa conta com a sua ata mais recente que não foi corrigida nem rejeitada.
dash-tally-verified-only = Só contam as atas verificadas: uma mesa conta quando a sua ata está verificada (por dupla transcrição, um verificador ou uma revisão).
dash-tally-count-verified = Contar só as atas verificadas
dash-tally-count-latest = Voltar a contar as atas mais recentes
dash-audit-nav = Auditoria
dash-audit-title = Registo de auditoria
dash-audit-csv = Descarregar em CSV
dash-audit-none = Nenhuma entrada corresponde.
dash-col-when = Quando
dash-col-who = Quem
dash-col-what = O quê
dash-col-details = Detalhes
dash-enrollment = Inscrição
dash-enrollment-center = Código do centro (um código por mesa)
dash-enrollment-make = Criar os códigos
dash-enrollment-once = Os códigos só são guardados como impressões digitais: imprima ou guarde a folha quando aparece, não pode voltar a ser mostrada.
dash-enrollment-count = { $made } códigos criados, { $used } usados.
dash-enrollment-unused = Códigos ainda não usados
dash-enrollment-sheet = Códigos de inscrição — { $center }
dash-enrollment-print = Imprima esta página (uma folha por centro): cada fiscal lê o código da sua mesa.
dash-enrollment-no-center = Não há nenhum centro com esse código.
dash-refused = Registos recusados
dash-refused-intro = Registos que o servidor não contou: recusados à chegada (o telefone mostra-os como retidos, com o motivo) ou enviados de novo com outro conteúdo sob um id já usado (vale o primeiro).
dash-refused-none = Nenhum registo recusado na sua região.
dash-refused-conflict = outro conteúdo sob um id já usado
dash-refused-bad-signature = a assinatura não se verifica
dash-refused-wrong-device = indica a chave de outro telefone
dash-refused-not-assigned = uma mesa não atribuída ao telefone
dash-refused-wrong-election = não é uma ata desta eleição
dash-refused-invalid = excede um limite do registo
dash-review-saved = Revisão guardada; o telefone do fiscal recebe-a na próxima sincronização.
dash-review-next = Próxima ata a rever →
dash-review-none-left = Não resta nenhuma ata por rever na sua região.

## Contas e telefones de uma mesa
dash-accounts = Contas
dash-accounts-roles = Observadores acompanham a sua região; revisores também revisam, transcrevem e verificam atas e agem sobre os telefones da sua região; administradores conduzem toda a eleição: contas, inscrição, telefones das mesas, importações, publicação e registro de auditoria.
dash-col-account = Nome
dash-col-role = Papel
dash-col-scope = Região
dash-col-last-login = Último acesso
dash-col-actions = Ações
dash-role-observer = Observador
dash-role-reviewer = Revisor
dash-role-admin = Administrador
dash-scope-all = Toda a eleição
dash-account-disabled = desativada { $at }
dash-account-change = Alterar
dash-account-scope = Região (um caminho como “Zulia/Maracaibo”; vazio para toda a eleição)
dash-account-save = Salvar papel e região
dash-account-reset = Nova senha
dash-account-enable = Ativar
dash-account-disable = Desativar
dash-account-new = Nova conta
dash-account-make = Criar a conta
dash-account-password = A senha de { $name }:
dash-account-password-once = Só é mostrada agora: entregue-a pessoalmente ou por um canal seguro.
dash-account-sessions-ended = As sessões abertas da conta foram encerradas.
dash-account-bad-name = Um nome tem de 1 a 64 letras, algarismos, “.”, “_” ou “-”.
dash-account-name-taken = Já existe uma conta com esse nome.
dash-account-unknown-scope = Não há região com esse caminho na eleição.
dash-account-admin-scope = Um administrador vê toda a eleição: deixe a região vazia.
dash-account-own = Você não pode alterar a sua própria conta (papel, região, senha ou estado): outro administrador deve fazê-lo.
dash-phones = Telefones desta mesa
dash-phones-none = Nenhum telefone tem esta mesa atribuída.
dash-unassign = Retirar a mesa de { $device }
dash-unassign-note = O telefone deixa de enviar por esta mesa: o que enviar por ela a partir de agora é recusado (e aparece entre os registros recusados).
dash-assign-device = Id do telefone (os primeiros 6 caracteres ou mais, como na página de dispositivos)
dash-assign = Atribuir a mesa a este telefone
dash-assign-note = O telefone fica sabendo na próxima sincronização. O que o fiscal enviou continua guardado.
dash-assign-no-device = Nenhum telefone tem esse id, ou mais de um começa assim: escreva mais caracteres.
dash-assign-revoked = Esse telefone foi revogado: nada pode ser atribuído a ele.

## O registro de auditoria em palavras
dash-act-login = Acesso
dash-act-review = Revisão
dash-act-transcribe = Transcrição
dash-act-desk = Mesa de verificação
dash-act-choose = Escolha da ata
dash-act-contact = Contato do fiscal
dash-act-revoke = Telefone revogado
dash-act-enroll = Códigos de inscrição
dash-act-official = Resultados oficiais importados
dash-act-quickcount = Amostra da contagem rápida sorteada
dash-act-tally-setting = O que conta
dash-act-publication-setting = Publicação ao verificar
dash-act-publish = Publicado
dash-act-withdraw = Publicação retirada
dash-act-account-create = Conta criada
dash-act-account-disable = Conta desativada
dash-act-account-enable = Conta ativada
dash-act-account-password = Senha renovada
dash-act-account-access = Papel ou região alterados
dash-act-station-assign = Mesa atribuída a um telefone
dash-act-station-unassign = Mesa retirada de um telefone
dash-act-other = Outro
dash-audit-login-dash = painel
dash-audit-login-api = API de administração
dash-audit-contact-noted = nome e número anotados
dash-audit-contact-forgotten = nome e número esquecidos
dash-audit-codes = códigos: { $codes } · mesas: { $stations }
dash-audit-tables = mesas: { $tables }
dash-audit-draw = mesas: { $size } · semente “{ $seed }”
dash-audit-verified-only-on = só contam as atas verificadas
dash-audit-verified-only-off = conta cada ata vigente
dash-audit-publish-on-verification-on = verificar uma ata a publica
dash-audit-publish-on-verification-off = verificar uma ata já não a publica
dash-audit-table = mesa { $table }
dash-audit-published = publicadas: { $published } · já públicas: { $already }

## O que chegou sem conexão de dados (/dash/channels)
dash-channels = SMS e pacotes
dash-channels-nav = SMS e pacotes
dash-channels-intro = O que os fiscais sem conexão de dados enviaram: registros por SMS pelos gateways, e pacotes levados por mensageiros ou importados à mão.
dash-channels-n-sms = Registros chegados primeiro por SMS: { $n }
dash-channels-n-aside = SMS postos de lado: { $n }
dash-channels-n-bundles = Pacotes recebidos: { $n }
dash-channels-n-refused = recusados inteiros: { $n }
dash-channels-sms = SMS postos de lado
dash-channels-sms-intro = Mensagens que chegaram aos números dos gateways mas não se tornaram um registro. Nenhuma recebeu comprovante: o telefone do fiscal ainda guarda o registro e o reenvia por SMS ou por dados.
dash-channels-sms-none = Nenhum SMS foi posto de lado.
dash-channels-col-sender = Remetente
dash-channels-col-text = Texto
dash-channels-sms-not-testigo = não é uma mensagem do Testigo
dash-channels-sms-unreadable = quebrada, alterada ou incompleta
dash-channels-sms-refused = um registro que as verificações recusaram
dash-channels-unknown-device = de um telefone não inscrito aqui (ou revogado)
dash-channels-other = outro motivo
dash-channels-bundles = Pacotes recebidos
dash-channels-bundles-intro = Cada pacote é a caixa de saída de um telefone, selada para os coordenadores. Novos / todos: o que trouxe pela primeira vez, do que continha; o que já tinha chegado por outra via é ignorado.
dash-channels-bundles-none = Nenhum pacote foi recebido.
dash-channels-col-carrier = Levado por
dash-channels-col-records = Registros novos / todos
dash-channels-col-photos = Fotos novas / todas
dash-channels-by-hand = importado à mão
dash-channels-bundle-taken = aceito
dash-channels-bundle-some-refused = { $n } itens recusados
dash-channels-bundle-unreadable = não é um pacote que este servidor lê
dash-channels-bundle-foreign = selado para outros coordenadores
dash-channels-bundle-tampered = alterado depois de selado
